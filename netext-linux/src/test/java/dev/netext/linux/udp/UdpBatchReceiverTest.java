package dev.netext.linux.udp;

import dev.netext.linux.ffm.Libc;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dual-stack UDP socket with UDP_GRO on loopback, read by {@link UdpBatchReceiver}: a GSO train (one sendto with
 * UDP_SEGMENT) must come back as its datagrams, cut at the segment size from the control message, and plain IPv4
 * datagrams as themselves, from an IPv4 sender address (not the IPv4-mapped IPv6 one), in arrival order, with one
 * address object per sender.
 */
class UdpBatchReceiverTest {
    static final int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;

    @Test
    void trainsAreCutAtTheirSegmentSizeAndPlainDatagramsKeptInOrder() throws Exception {
        int rx = Libc.socket(Libc.AF_INET6, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        int tx6 = Libc.socket(Libc.AF_INET6, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        int tx4 = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.setsockopt(rx, SOL_UDP, UDP_GRO, 1);
            Libc.bind(rx, sockaddr6(arena, new byte[16], 0));
            MemorySegment bound = arena.allocate(28, 8);
            Libc.getsockname(rx, bound);
            int port = Short.toUnsignedInt(bound.get(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));

            Libc.setsockopt(tx6, SOL_UDP, UDP_SEGMENT, 1000);
            MemorySegment train = arena.allocate(3500);
            for (int i = 0; i < 3500; i++) train.set(JAVA_BYTE, i, (byte) (i / 1000 + 1));  // segment k holds k+1
            Libc.sendto(tx6, train, 3500, 0, sockaddr6(arena, InetAddress.getByName("::1").getAddress(), port));
            MemorySegment to4 = sockaddr4(arena, port);
            for (int i = 0; i < 3; i++) {
                MemorySegment d = arena.allocate(300);
                d.fill((byte) (0x40 + i));
                Libc.sendto(tx4, d, 300, 0, to4);
            }

            record Got(int length, byte first, byte last, InetSocketAddress from) {}
            List<Got> got = new ArrayList<>();
            try (UdpBatchReceiver r = new UdpBatchReceiver(rx, 8, UdpBatchReceiver.MAX_SLOT, 16)) {
                Thread watchdog = Thread.ofPlatform().daemon().start(() -> {   // fewer datagrams than expected: stop waiting
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    r.wakeUp();
                });
                while (got.size() < 7 && r.awaitReadable()) {
                    r.receive((ByteBuffer d, InetSocketAddress from) ->
                            got.add(new Got(d.remaining(), d.get(d.position()), d.get(d.limit() - 1), from)));
                }
                watchdog.interrupt();
                watchdog.join();
                r.wakeUp();
                assertThat(r.awaitReadable()).as("woken up for good").isFalse();
                assertThat(r.truncated()).isZero();
            }
            assertThat(got).extracting(Got::length).containsExactly(1000, 1000, 1000, 500, 300, 300, 300);
            assertThat(got).extracting(Got::first).containsExactly((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 0x40, (byte) 0x41, (byte) 0x42);
            assertThat(got).extracting(Got::last).containsExactly((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 0x40, (byte) 0x41, (byte) 0x42);
            InetSocketAddress v6 = got.get(0).from(), v4 = got.get(4).from();
            assertThat(v6.getAddress()).isEqualTo(InetAddress.getByName("::1"));
            assertThat(v4.getAddress()).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName("127.0.0.1"));
            for (int i = 1; i < 4; i++) assertThat(got.get(i).from()).as("cached sender").isSameAs(v6);
            for (int i = 5; i < 7; i++) assertThat(got.get(i).from()).as("cached sender").isSameAs(v4);
        } finally {
            Libc.close(rx);
            Libc.close(tx6);
            Libc.close(tx4);
        }
    }

    private static MemorySegment sockaddr6(Arena arena, byte[] address, int port) {
        MemorySegment s = arena.allocate(28, 8);
        s.set(JAVA_SHORT, 0, (short) Libc.AF_INET6);
        s.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        MemorySegment.copy(address, 0, s, JAVA_BYTE, 8, 16);
        return s;
    }

    private static MemorySegment sockaddr4(Arena arena, int port) {
        MemorySegment s = arena.allocate(16, 8);
        s.set(JAVA_SHORT, 0, (short) Libc.AF_INET);
        s.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        MemorySegment.copy(new byte[]{127, 0, 0, 1}, 0, s, JAVA_BYTE, 4, 4);
        return s;
    }
}
