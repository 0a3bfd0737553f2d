package dev.netext.linux.udp;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.AnonymousMemory;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.ffm.Mmsg;
import dev.netext.linux.tproxy.SockAddr;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Reads a UDP socket (owned by someone else, for example a Netty channel that only sends) in batches: one
 * {@code recvmmsg} fills up to {@code messages} slots, each with its sender and its control messages, so a socket
 * with {@code UDP_GRO} on gets trains and batches at once — a GSO train (or a run the interface's GRO merged) fills
 * one slot and is cut at its {@code UDP_GRO} segment size, plain datagrams from a peer that sends no trains fill one
 * slot each.
 *
 * <pre>
 *   {@link #awaitReadable}: poll(socket, wake-up eventfd)
 *   {@link #receive}:       recvmmsg(slots, MSG_DONTWAIT) → per slot: sender (cached), segment size (cmsg)
 *                           → {@link Sink#datagram} once per datagram, a view into the slot
 * </pre>
 *
 * Nothing is allocated per datagram: the views handed to the sink are a ring of {@code views} preallocated
 * duplicates over the slots, and senders come from a small cache keyed by the raw socket address. The slots are one
 * anonymous mapping, so memory becomes resident only as bursts need it (at most {@code messages × slotSize}). One
 * thread reads; {@link #wakeUp} may be called from any thread; {@link #close} after the reader has stopped.
 */
public final class UdpBatchReceiver implements AutoCloseable {
    /** A UDP_GRO train is one datagram of up to 64 KiB. */
    public static final int MAX_SLOT = 65_536;
    /** sockaddr_in6 is 28 bytes; name and control slots are 32 (a UDP_GRO cmsg takes CMSG_SPACE(4) = 24). */
    static final int NAME_SIZE = 28, NAME_STRIDE = 32, CONTROL_SIZE = 32, IOVEC_SIZE = 16;
    static final int SENDER_CACHE = 16;

    /** Where {@link #receive} hands each datagram. */
    public interface Sink {
        /**
         * One datagram, {@code datagram}'s remaining bytes; the view may be consumed. It stays valid until the
         * {@code views}-th datagram after it or the next {@link #receive}, whichever comes first.
         */
        void datagram(ByteBuffer datagram, InetSocketAddress from);
    }

    private final int fd;
    private final int wake;
    private final int messages;
    private final int slotSize;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment vec, names, controls, pollfds, wakeValue;
    private final ByteBuffer[] views;
    private int nextView;
    private final MemorySegment senderKeys;
    private final int[] senderKeyLengths = new int[SENDER_CACHE];
    private final InetSocketAddress[] senders = new InetSocketAddress[SENDER_CACHE];
    private int sendersCached, nextSender;
    private long truncated;
    private volatile boolean closing;

    /**
     * Reads {@code fd} (a UDP socket; not owned, never closed here) with {@code messages} slots of {@code slotSize}
     * bytes (at most {@link #MAX_SLOT}) and a ring of {@code views} datagram views (at least the number of datagrams the
     * sink holds at once).
     */
    public UdpBatchReceiver(int fd, int messages, int slotSize, int views) throws LinuxException {
        if (messages < 1 || slotSize < 1 || slotSize > MAX_SLOT || views < 1) {
            throw new IllegalArgumentException("messages " + messages + ", slot " + slotSize + ", views " + views);
        }
        this.fd = fd;
        this.messages = messages;
        this.slotSize = slotSize;
        try {
            MemorySegment slots = AnonymousMemory.map((long) messages * slotSize, arena);
            vec = arena.allocate((long) messages * Mmsg.MMSGHDR_SIZE, 8);
            names = arena.allocate((long) messages * NAME_STRIDE, 8);
            controls = arena.allocate((long) messages * CONTROL_SIZE, 8);
            MemorySegment iovs = arena.allocate((long) messages * IOVEC_SIZE, 8);
            pollfds = arena.allocate(Libc.POLLFD, 2);
            wakeValue = arena.allocate(JAVA_LONG);
            senderKeys = arena.allocate((long) SENDER_CACHE * NAME_STRIDE, 8);
            for (int i = 0; i < messages; i++) {
                long iov = (long) i * IOVEC_SIZE, hdr = (long) i * Mmsg.MMSGHDR_SIZE;
                iovs.set(ADDRESS, iov, slots.asSlice((long) i * slotSize, slotSize));
                iovs.set(JAVA_LONG, iov + 8, slotSize);
                vec.set(ADDRESS, hdr + Mmsg.MSG_NAME, names.asSlice((long) i * NAME_STRIDE, NAME_STRIDE));
                vec.set(ADDRESS, hdr + Mmsg.MSG_IOV, iovs.asSlice(iov, IOVEC_SIZE));
                vec.set(JAVA_LONG, hdr + Mmsg.MSG_IOVLEN, 1L);
                vec.set(ADDRESS, hdr + Mmsg.MSG_CONTROL, controls.asSlice((long) i * CONTROL_SIZE, CONTROL_SIZE));
            }
            ByteBuffer whole = slots.asByteBuffer();
            this.views = new ByteBuffer[views];
            for (int i = 0; i < views; i++) this.views[i] = whole.duplicate();
            this.wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        } catch (LinuxException | RuntimeException e) {
            arena.close();
            throw e;
        }
        pollfds.set(JAVA_INT, 0, fd);
        pollfds.set(JAVA_SHORT, 4, Libc.POLLIN);
        pollfds.set(JAVA_INT, 8, wake);
        pollfds.set(JAVA_SHORT, 12, Libc.POLLIN);
    }

    /** Waits until the socket has something to read; false once {@link #wakeUp} was called. */
    public boolean awaitReadable() throws LinuxException {
        while (!closing) {
            pollfds.set(JAVA_SHORT, 6, (short) 0);
            pollfds.set(JAVA_SHORT, 14, (short) 0);
            if (Libc.poll(pollfds, 2, -1) > 0 && !closing && pollfds.get(JAVA_SHORT, 6) != 0) return true;
        }
        return false;
    }

    /**
     * One {@code recvmmsg} without waiting; every datagram it brought goes to {@code sink}, in arrival order. Returns
     * the slots filled: 0 when nothing was waiting, {@link #messages()} when more may be.
     */
    public int receive(Sink sink) throws LinuxException {
        for (int i = 0; i < messages; i++) {
            long hdr = (long) i * Mmsg.MMSGHDR_SIZE;
            vec.set(JAVA_INT, hdr + Mmsg.MSG_NAMELEN, NAME_SIZE);
            vec.set(JAVA_LONG, hdr + Mmsg.MSG_CONTROLLEN, CONTROL_SIZE);
        }
        int n = Mmsg.recvmmsg(fd, vec, messages, Mmsg.MSG_DONTWAIT);
        for (int i = 0; i < n; i++) {
            long hdr = (long) i * Mmsg.MMSGHDR_SIZE;
            int length = vec.get(JAVA_INT, hdr + Mmsg.MSG_LEN);
            if ((vec.get(JAVA_INT, hdr + Mmsg.MSG_FLAGS) & Mmsg.MSG_TRUNC) != 0) { truncated++; continue; }
            InetSocketAddress from = sender(i, vec.get(JAVA_INT, hdr + Mmsg.MSG_NAMELEN));
            if (from == null || length == 0) continue;
            int segment = segmentSize(i, vec.get(JAVA_LONG, hdr + Mmsg.MSG_CONTROLLEN));
            if (segment <= 0) segment = length;
            int base = i * slotSize;
            for (int off = 0; off < length; off += segment) {
                ByteBuffer view = views[nextView];
                nextView = nextView + 1 == views.length ? 0 : nextView + 1;
                view.clear().position(base + off).limit(base + Math.min(length, off + segment));
                sink.datagram(view, from);
            }
        }
        return n;
    }

    /** The UDP_GRO segment size in slot {@code i}'s control messages, or 0 (not a train). */
    private int segmentSize(int i, long controlLength) {
        return Mmsg.groSegmentSize(controls, (long) i * CONTROL_SIZE, controlLength, CONTROL_SIZE);
    }

    /** Slot {@code i}'s sender: a cached address when these socket-address bytes were seen before. */
    private InetSocketAddress sender(int i, int nameLength) {
        long at = (long) i * NAME_STRIDE;
        int len = Math.min(nameLength, NAME_SIZE);
        if (len >= SockAddr.IN6_LEN) names.set(JAVA_INT, at + SockAddr.IN6_FLOWINFO, 0);  // varies per packet
        for (int k = 0; k < sendersCached; k++) {
            if (senderKeyLengths[k] == len && MemorySegment.mismatch(names, at, at + len,
                    senderKeys, (long) k * NAME_STRIDE, (long) k * NAME_STRIDE + len) == -1) {
                return senders[k];
            }
        }
        InetSocketAddress a = SockAddr.read(names.asSlice(at, len), len);
        if (a == null) return null;
        int k = sendersCached < SENDER_CACHE ? sendersCached++ : nextSender++ % SENDER_CACHE;
        MemorySegment.copy(names, at, senderKeys, (long) k * NAME_STRIDE, len);
        senderKeyLengths[k] = len;
        senders[k] = a;
        return a;
    }

    public int messages() { return messages; }

    /** Datagrams dropped because they were larger than a slot. */
    public long truncated() { return truncated; }

    /** Makes {@link #awaitReadable} return false, now and from now on; any thread. */
    public void wakeUp() {
        closing = true;
        try {
            wakeValue.set(JAVA_LONG, 0, 1L);
            Libc.write(wake, wakeValue, 8);
        } catch (LinuxException e) {
            // the eventfd cannot fail a write of 1 short of overflow; the flag alone still stops the next wait
        }
    }

    /** Frees the slots and the eventfd; only after the reading thread has stopped. */
    @Override
    public void close() {
        closing = true;
        Libc.close(wake);
        arena.close();
    }
}
