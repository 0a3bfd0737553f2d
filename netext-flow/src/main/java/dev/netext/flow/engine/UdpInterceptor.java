package dev.netext.flow.engine;

import dev.netext.linux.LinuxException;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.linux.tproxy.RawIpSocket;
import dev.netext.linux.tproxy.TransparentUdpListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The UDP half of interception: one transparent listener per family (127.0.0.1:0, [::1]:0; IP_TRANSPARENT,
 * IP_RECVORIGDSTADDR / IPV6_RECVORIGDSTADDR, the bypass mark — netext-linux's {@link TransparentUdpListener}, since
 * Netty's epoll transport parses only the IPv4 original destination), to which the {@code inet netext-flow} table's
 * UDP tproxy rules send every intercepted datagram that has no connected reply socket yet: in practice the first
 * datagram of each flow (later ones reach the flow's reply socket directly). A platform thread per listener reads
 * them and hands each to the listener's event loop, which groups datagrams by (client, original destination) into
 * {@link InterceptedUdpFlow}s, created on the first datagram and forgotten when the flow closes. A listener and all
 * its flows share that one event loop, so the flow table needs no lock.
 */
final class UdpInterceptor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpInterceptor.class);
    /** Flows one listener tracks at once; a datagram that would open one more is discarded (and counted). */
    static final int MAX_FLOWS = 16_384;
    /**
     * Datagrams read but not yet handled by the event loop: a flood of new flows would otherwise queue without bound
     * (the loop's task queue is unbounded); beyond this the listener thread discards, as a full socket buffer would.
     */
    static final int MAX_PENDING = 1_024;

    private final FlowEngine engine;
    private final List<Listener> listeners = new ArrayList<>();
    private RawIpSocket icmpV4, icmpV6;

    private UdpInterceptor(FlowEngine engine) {
        this.engine = engine;
    }

    /** Binds the listeners (IPv6 too when {@code ipv6}) in the calling namespace; their flows run on {@code group}. */
    static UdpInterceptor open(FlowEngine engine, EventLoopGroup group, boolean ipv6) throws IOException {
        UdpInterceptor u = new UdpInterceptor(engine);
        try {
            u.listen(group.next(), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            if (ipv6) u.listen(group.next(), new InetSocketAddress(InetAddress.getByName("::1"), 0));
            try {
                u.icmpV4 = RawIpSocket.open(false, InterceptionConfig.DEFAULT_BYPASS_MARK);
                if (ipv6) u.icmpV6 = RawIpSocket.open(true, InterceptionConfig.DEFAULT_BYPASS_MARK);
            } catch (LinuxException e) {
                log.info("no raw socket ({}): UDP drops in reset mode will be silent", e.getMessage());
            }
            return u;
        } catch (IOException | RuntimeException e) {
            u.close();
            throw e;
        }
    }

    private void listen(EventLoop loop, InetSocketAddress at) throws IOException {
        TransparentUdpListener socket = TransparentUdpListener.bind(at, InterceptionConfig.DEFAULT_BYPASS_MARK, 4 << 20);
        Listener l = new Listener(socket, loop);
        listeners.add(l);
        l.reader = Thread.ofPlatform().daemon().name("netext-udp-listener-" + socket.localAddress().getPort())
                .start(l::readLoop);
    }

    /** The listeners' ports: IPv4, IPv6 (0 when not listening). */
    int portV4() { return port(false); }

    int portV6() { return port(true); }

    private int port(boolean v6) {
        for (Listener l : listeners) {
            InetSocketAddress a = l.socket.localAddress();
            if ((a.getAddress() instanceof Inet6Address) == v6) return a.getPort();
        }
        return 0;
    }

    /** Tells {@code client} that {@code original}'s port is unreachable, quoting {@code datagram}; best effort. */
    void portUnreachable(InetSocketAddress client, InetSocketAddress original, ByteBuffer datagram) {
        RawIpSocket raw = original.getAddress() instanceof Inet6Address ? icmpV6 : icmpV4;
        if (raw == null) return;
        try {
            raw.send(PortUnreachable.packet(client, original, datagram), client.getAddress());
        } catch (LinuxException | RuntimeException e) {
            log.debug("ICMP port unreachable to {}: {}", client, e.toString());
        }
    }

    /** Called by a flow as it closes, on its event loop. */
    void removed(InterceptedUdpFlow f) {
        for (Listener l : listeners)
            if (l.loop.inEventLoop()) l.flows.remove(new FlowKey(f.client(), f.original()), f);
    }

    /** Stops the readers and closes the listeners, then every flow (each reports its close). */
    @Override
    public void close() {
        for (Listener l : listeners) {
            l.socket.close();
            if (l.reader != null) {
                try {
                    l.reader.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            l.socket.release();
            if (!l.loop.isShuttingDown())
                l.loop.submit(() -> {
                    for (InterceptedUdpFlow f : List.copyOf(l.flows.values())) f.close();
                }).awaitUninterruptibly();
        }
        if (icmpV4 != null) icmpV4.close();
        if (icmpV6 != null) icmpV6.close();
    }

    private record FlowKey(InetSocketAddress client, InetSocketAddress original) {}

    /** One family's listener: datagrams to flows. */
    private final class Listener {
        private final TransparentUdpListener socket;
        private final EventLoop loop;
        private final Map<FlowKey, InterceptedUdpFlow> flows = new HashMap<>();
        private final AtomicInteger pending = new AtomicInteger();
        private Thread reader;
        private long refused, overrun;

        Listener(TransparentUdpListener socket, EventLoop loop) {
            this.socket = socket;
            this.loop = loop;
        }

        void readLoop() {
            try {
                TransparentUdpListener.Datagram d;
                while ((d = socket.receive()) != null) {
                    TransparentUdpListener.Datagram datagram = d;
                    if (pending.incrementAndGet() > MAX_PENDING) {
                        pending.decrementAndGet();
                        if (overrun++ % 1024 == 0) log.warn("UDP listener {} overrun: {} datagrams discarded", socket.localAddress(), overrun);
                        continue;
                    }
                    loop.execute(() -> {
                        pending.decrementAndGet();
                        dispatch(datagram);
                    });
                }
            } catch (Exception e) {
                log.warn("UDP listener {} stopped: {}", socket.localAddress(), e.toString());
            }
        }

        /** On the event loop: the datagram's flow, created on its first datagram. */
        private void dispatch(TransparentUdpListener.Datagram d) {
            FlowKey key = new FlowKey(d.sender(), d.originalDestination());
            InterceptedUdpFlow f = flows.get(key);
            if (f == null) {
                if (flows.size() >= MAX_FLOWS) {
                    if (refused++ % 1024 == 0) log.warn("{} UDP flows open: new ones discarded ({} so far)", MAX_FLOWS, refused);
                    return;
                }
                f = new InterceptedUdpFlow(UdpInterceptor.this, engine, engine.nextFlowId(), d.sender(),
                        d.originalDestination(), loop);
                flows.put(key, f);
            }
            f.fromClient(Unpooled.wrappedBuffer(d.data()));
        }
    }
}
