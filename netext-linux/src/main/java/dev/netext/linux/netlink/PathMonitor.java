package dev.netext.linux.netlink;

import dev.netext.api.path.PathEvent;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static dev.netext.linux.netlink.RtnetlinkH.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Watches the host's network path through rtnetlink multicast groups ({@code RTMGRP_LINK},
 * {@code RTMGRP_IPV4_IFADDR}, {@code RTMGRP_IPV6_IFADDR}, {@code RTMGRP_IPV4_ROUTE}, {@code RTMGRP_IPV6_ROUTE} in
 * {@code linux/rtnetlink.h}) and reports {@link PathEvent}s to a consumer, on a platform thread of its own.
 *
 * <ul>
 *   <li>{@link PathEvent.LinkChanged} when a link appears, goes away, or changes name, up, running or MTU (the kernel
 *       also sends RTM_NEWLINK for changes nobody here cares about; those are not reported);</li>
 *   <li>{@link PathEvent.AddressChanged} for every address added or removed;</li>
 *   <li>{@link PathEvent.DefaultRouteChanged} for unicast {@code /0} routes in the main table.</li>
 * </ul>
 *
 * <p>The socket is opened in the network namespace of the thread calling {@link #start}. A receive overrun
 * ({@code ENOBUFS}: the kernel dropped notifications) is logged and monitoring goes on. {@link #close()} wakes the
 * thread through an eventfd and returns once it has stopped.
 */
public final class PathMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PathMonitor.class);
    public static final int GROUPS = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE
            | RTMGRP_IPV6_ROUTE;
    private static final int RCVBUF = 1 << 20;

    private final NetlinkSocket socket;
    private final int wakeFd;
    private final Consumer<PathEvent> consumer;
    private final Map<Integer, PathEvent.LinkChanged> links = new HashMap<>();
    private final Thread thread;
    private volatile boolean closing;
    private final AtomicLong overruns = new AtomicLong();
    private boolean closed;

    private PathMonitor(NetlinkSocket socket, int wakeFd, Consumer<PathEvent> consumer) {
        this.socket = socket;
        this.wakeFd = wakeFd;
        this.consumer = consumer;
        this.thread = Thread.ofPlatform().name("netext-path-monitor").daemon().unstarted(this::run);
    }

    /** Subscribes, learns the current links (for names and change detection) and starts delivering events. */
    public static PathMonitor start(Consumer<PathEvent> consumer) throws LinuxException {
        return start(consumer, RCVBUF);
    }

    /** As {@link #start(Consumer)} with {@code SO_RCVBUF} of {@code receiveBuffer} bytes (tests provoke overruns). */
    static PathMonitor start(Consumer<PathEvent> consumer, int receiveBuffer) throws LinuxException {
        Objects.requireNonNull(consumer, "consumer");
        NetlinkSocket s = NetlinkSocket.open(NetlinkH.NETLINK_ROUTE, GROUPS, true);
        int efd = -1;
        try {
            s.setOption(Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBuffer);
            efd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            PathMonitor pm = new PathMonitor(s, efd, consumer);
            try (RtNetlink rt = RtNetlink.open()) { // after subscribing, so no change falls in between
                for (Link l : rt.links()) pm.links.put(l.index(), linkEvent(l, false));
            }
            pm.thread.start();
            return pm;
        } catch (LinuxException | RuntimeException e) {
            s.close();
            Libc.close(efd);
            throw e;
        }
    }

    private static PathEvent.LinkChanged linkEvent(Link l, boolean removed) {
        return new PathEvent.LinkChanged(l.index(), l.name(), l.up(), l.running(), l.mtu(), removed);
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(Libc.POLLFD, 2);
            fds.set(JAVA_INT, 0, socket.fd());
            fds.set(JAVA_SHORT, 4, Libc.POLLIN);
            fds.set(JAVA_INT, 8, wakeFd);
            fds.set(JAVA_SHORT, 12, Libc.POLLIN);
            while (!closing) {
                fds.set(JAVA_SHORT, 6, (short) 0);
                fds.set(JAVA_SHORT, 14, (short) 0);
                if (Libc.poll(fds, 2, -1) <= 0) continue;
                if (closing || fds.get(JAVA_SHORT, 14) != 0) break;
                if (fds.get(JAVA_SHORT, 6) != 0 && !drain()) break;
            }
        } catch (LinuxException | RuntimeException e) {
            if (!closing) LOG.error("path monitor stopped", e);
        }
    }

    /** Reads until the socket is empty; false on an error that ends monitoring. */
    private boolean drain() {
        while (!closing) {
            ByteBuffer data;
            try {
                data = socket.receive();
            } catch (LinuxException e) {
                if (e.is(Errno.ENOBUFS)) {
                    overruns.incrementAndGet();
                    LOG.warn("rtnetlink notifications were dropped (receive buffer overrun); resynchronising links");
                    resyncLinks();
                    continue;
                }
                if (!closing) LOG.error("path monitor receive failed", e);
                return false;
            } catch (NetlinkFormatException e) {
                LOG.warn("ignoring malformed rtnetlink datagram: {}", e.getMessage());
                continue;
            }
            if (data == null) return true;
            try {
                for (NlMessage m : NlParser.parse(data)) handle(m);
            } catch (NetlinkFormatException e) {
                LOG.warn("ignoring malformed rtnetlink notification: {}", e.getMessage());
            }
        }
        return false;
    }

    /**
     * After an overrun the kernel's notifications are lost for good: read the links again and report what differs
     * from what we knew, so that link state (up, running, MTU, removal) is never silently stale.
     */
    private void resyncLinks() {
        try (RtNetlink rt = RtNetlink.open()) {
            Set<Integer> present = new HashSet<>();
            for (Link l : rt.links()) {
                present.add(l.index());
                PathEvent.LinkChanged ev = linkEvent(l, false);
                if (!ev.equals(links.put(ev.index(), ev))) deliver(ev);
            }
            for (var it = links.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (present.contains(entry.getKey())) continue;
                it.remove();
                PathEvent.LinkChanged gone = entry.getValue();
                deliver(new PathEvent.LinkChanged(gone.index(), gone.name(), false, false, gone.mtu(), true));
            }
        } catch (LinuxException e) {
            LOG.warn("could not resynchronise links after an overrun: {}", e.getMessage());
        }
    }

    private void handle(NlMessage m) {
        switch (m.type()) {
            case RTM_NEWLINK, RTM_DELLINK -> {
                boolean removed = m.type() == RTM_DELLINK;
                PathEvent.LinkChanged ev = linkEvent(Link.decode(m), removed);
                PathEvent.LinkChanged before = removed ? links.remove(ev.index()) : links.put(ev.index(), ev);
                if (removed || !ev.equals(before)) deliver(ev);
            }
            case RTM_NEWADDR, RTM_DELADDR -> {
                Address a = Address.decode(m);
                if (a != null)
                    deliver(new PathEvent.AddressChanged(a.linkIndex(), name(a.linkIndex()), a.prefix(),
                            m.type() == RTM_DELADDR));
            }
            case RTM_NEWROUTE, RTM_DELROUTE -> {
                Route r = Route.decode(m);
                if (r != null && r.isDefault() && r.table() == RT_TABLE_MAIN && r.type() == Route.Type.UNICAST)
                    deliver(new PathEvent.DefaultRouteChanged(r.family(), r.gateway(), r.outputInterface(),
                            name(r.outputInterface()), m.type() == RTM_DELROUTE));
            }
            default -> { }
        }
    }

    /** How many times the kernel reported dropped notifications (ENOBUFS) since start. */
    public long overruns() {
        return overruns.get();
    }

    private String name(int index) {
        PathEvent.LinkChanged l = links.get(index);
        return l == null ? null : l.name();
    }

    private void deliver(PathEvent ev) {
        try {
            consumer.accept(ev);
        } catch (RuntimeException e) {
            LOG.warn("path event consumer failed on {}", ev.describe(), e);
        }
    }

    /** Stops the monitor thread and closes the socket; safe to call more than once, and from the consumer. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        closing = true;
        try (Arena a = Arena.ofConfined()) {
            Libc.write(wakeFd, a.allocateFrom(JAVA_LONG, 1L), 8);
        } catch (LinuxException e) {
            LOG.warn("could not wake the path monitor thread", e);
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) LOG.warn("path monitor thread did not stop in 5 s");
        }
        if (!thread.isAlive() || Thread.currentThread() == thread) {
            socket.close();
            Libc.close(wakeFd);
        }
    }
}
