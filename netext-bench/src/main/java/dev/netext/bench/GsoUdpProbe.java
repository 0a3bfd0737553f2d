package dev.netext.bench;

import dev.netext.lab.traffic.UdpProbe;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * {@link UdpProbe}'s measurement from a client that sends as QUIC stacks with UDP GSO do (quiche, msquic, Chromium):
 * what the window allows goes out as one train, one {@code sendto} with {@code UDP_SEGMENT}, cut into datagrams of
 * {@code size} bytes by the kernel. Same datagram format (sequence number, send time), same accounting; IPv4 only.
 * Answers are read one datagram per {@code recv}, as the probe's socket asks for no GRO.
 */
final class GsoUdpProbe {
    /** SOL_UDP / UDP_SEGMENT (linux/udp.h); UDP_MAX_SEGMENTS. */
    private static final int SOL_UDP = 17, UDP_SEGMENT = 103, MAX_SEGMENTS = 64;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private GsoUdpProbe() {}

    static UdpProbe.Result run(InetSocketAddress target, int count, int size, int window, Duration timeout)
            throws LinuxException {
        if (!(target.getAddress() instanceof Inet4Address) || size < 12) throw new IllegalArgumentException(target + ", " + size);
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, 4 << 20);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, 4 << 20);
            Libc.setsockopt(fd, SOL_UDP, UDP_SEGMENT, size);
            MemorySegment to = arena.allocate(16, 4);
            to.set(JAVA_SHORT_UNALIGNED, 0, (short) Libc.AF_INET);
            to.set(JAVA_SHORT_UNALIGNED.withOrder(NET), 2, (short) target.getPort());
            MemorySegment.copy(target.getAddress().getAddress(), 0, to, JAVA_BYTE, 4, 4);
            MemorySegment out = arena.allocate((long) size * MAX_SEGMENTS, 8), in = arena.allocate(65_536, 8);
            MemorySegment pollfd = arena.allocate(Libc.POLLFD);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, Libc.POLLIN);
            out.fill((byte) 0x5a);
            int maxTrain = Math.min(MAX_SEGMENTS, (65_535 - 20 - 8) / size); // a train is one IP datagram before the cut
            UdpProbe.Tally tally = new UdpProbe.Tally(count, window);
            long deadline = tally.start() + timeout.toNanos();
            while (tally.got() < count && System.nanoTime() < deadline) {
                int train = Math.min(maxTrain, Math.min(count - tally.sent(), tally.room()));
                if (train > 0) {
                    long now = System.nanoTime();
                    for (int i = 0; i < train; i++) {
                        out.set(JAVA_INT_UNALIGNED.withOrder(NET), (long) i * size, tally.sent() + i);
                        out.set(JAVA_LONG_UNALIGNED.withOrder(NET), (long) i * size + 4, now);
                    }
                    Libc.sendto(fd, out, (long) train * size, 0, to);
                    tally.sent(train);
                }
                pollfd.set(JAVA_SHORT, 6, (short) 0);
                if (Libc.poll(pollfd, 1, 20) == 0) {
                    if (tally.quietSpellEnds()) break;
                    continue;
                }
                int n;
                while ((n = Libc.recv(fd, in, in.byteSize(), Libc.MSG_DONTWAIT)) >= 0) {
                    if (n >= 12) tally.answer(in.get(JAVA_INT_UNALIGNED.withOrder(NET), 0), in.get(JAVA_LONG_UNALIGNED.withOrder(NET), 4));
                }
            }
            return tally.result(size);
        } finally {
            Libc.close(fd);
        }
    }
}
