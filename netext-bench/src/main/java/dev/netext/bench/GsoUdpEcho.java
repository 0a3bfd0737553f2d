package dev.netext.bench;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.ffm.Mmsg;
import dev.netext.linux.udp.UdpBatchReceiver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A UDP echo (RFC 862) that batches as a QUIC server with GSO and GRO does: {@code UDP_GRO} on, read with
 * {@code recvmmsg} (netext-linux's {@link UdpBatchReceiver}: a train arrives whole and is cut into its datagrams), and
 * what one read brought goes back as trains — consecutive datagrams of one size to one sender in one {@code sendto}
 * with {@code UDP_SEGMENT}. Same answers as {@code UdpEchoServer} (thread "udp-echo", so the bench counts its CPU the
 * same way); IPv4 only. Open it inside the namespace it serves.
 */
final class GsoUdpEcho implements AutoCloseable {
    private static final int SOL_UDP = Mmsg.SOL_UDP, UDP_SEGMENT = 103, MAX_SEGMENTS = 64;
    private final int fd;
    private final UdpBatchReceiver receiver;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out = arena.allocate(65_536, 8), to = arena.allocate(16, 4);
    private final Thread thread;
    private InetSocketAddress pendingTo;
    private int pendingSize, pending, segmentOption;

    private GsoUdpEcho(int fd) throws LinuxException {
        this.fd = fd;
        this.receiver = new UdpBatchReceiver(fd, 16, UdpBatchReceiver.MAX_SLOT, MAX_SEGMENTS * 16);
        this.thread = Thread.ofPlatform().daemon(true).name("udp-echo").start(this::serve);
    }

    static GsoUdpEcho open(InetSocketAddress at) throws LinuxException {
        if (!(at.getAddress() instanceof Inet4Address)) throw new IllegalArgumentException(at.toString());
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, 4 << 20);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, 4 << 20);
            Libc.setsockopt(fd, SOL_UDP, Mmsg.UDP_GRO, 1);
            MemorySegment addr = a.allocate(16, 4);
            write(addr, at);
            Libc.bind(fd, addr);
            return new GsoUdpEcho(fd);
        } catch (LinuxException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private void serve() {
        try {
            while (receiver.awaitReadable()) {
                while (receiver.receive(this::echo) == receiver.messages()) {} // a full batch may have left more
                flush();
            }
        } catch (LinuxException e) {
            // closed under us
        }
    }

    /** Queues {@code d} behind the train being gathered, or sends that train first. */
    private void echo(ByteBuffer d, InetSocketAddress from) {
        int len = d.remaining();
        if (pending > 0 && (len != pendingSize || !from.equals(pendingTo) || pending == MAX_SEGMENTS
                || (pending + 1) * len > 65_535 - 28)) flushQuietly();
        if (len == 0) return;
        MemorySegment.copy(MemorySegment.ofBuffer(d), 0, out, (long) pending * len, len);
        pendingTo = from;
        pendingSize = len;
        pending++;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (LinuxException e) {
            pending = 0; // the client went away: its answers are lost, as a plain echo's would be
        }
    }

    private void flush() throws LinuxException {
        if (pending == 0) return;
        int n = pending;
        pending = 0;
        if (pendingSize != segmentOption) { // the train's datagram size; a lone datagram is no longer than it either
            Libc.setsockopt(fd, SOL_UDP, UDP_SEGMENT, pendingSize);
            segmentOption = pendingSize;
        }
        write(to, pendingTo);
        Libc.sendto(fd, out, (long) n * pendingSize, 0, to);
    }

    /** {@code a} as a sockaddr_in. */
    private static void write(MemorySegment s, InetSocketAddress a) {
        s.fill((byte) 0);
        s.set(JAVA_SHORT_UNALIGNED, 0, (short) Libc.AF_INET);
        s.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) a.getPort());
        MemorySegment.copy(a.getAddress().getAddress(), 0, s, JAVA_BYTE, 4, 4);
    }

    @Override
    public void close() throws InterruptedException {
        receiver.wakeUp();
        thread.join(2000);
        receiver.close();
        Libc.close(fd);
        arena.close();
    }
}
