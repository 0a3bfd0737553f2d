package dev.netext.linux.tproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The control-message parser on the kernel's layouts, on damaged ones, and on seeded random bytes. */
class OriginalDestinationTest {

    /** One cmsghdr with {@code data}, padded to 8 as CMSG_SPACE does. */
    private static byte[] cmsg(int level, int type, byte[] data) {
        int len = 16 + data.length, space = (len + 7) & -8;
        ByteBuffer b = ByteBuffer.allocate(space).order(ByteOrder.nativeOrder());
        b.putLong(len).putInt(level).putInt(type).put(data);
        return b.array();
    }

    private static byte[] sockaddr(InetSocketAddress a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.IN6_LEN);
            int len = SockAddr.write(s, a);
            return s.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static InetSocketAddress find(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) total += p.length;
        ByteBuffer all = ByteBuffer.allocate(total);
        for (byte[] p : parts) all.put(p);
        return OriginalDestination.find(MemorySegment.ofArray(all.array()), total);
    }

    @Test
    void findsIpv4AndIpv6OriginalDestinationsAfterOtherMessages() {
        InetSocketAddress v4 = new InetSocketAddress("10.79.0.2", 443), v6 = new InetSocketAddress("fd79::2", 7);
        assertThat(find(cmsg(0, 20, sockaddr(v4)))).isEqualTo(v4);
        assertThat(find(cmsg(41, 50, new byte[20]), cmsg(41, 74, sockaddr(v6)))).isEqualTo(v6); // IPV6_PKTINFO first
        assertThat(find(cmsg(1, 29, new byte[12]), cmsg(0, 20, sockaddr(v4)))).isEqualTo(v4);  // a timestamp first
    }

    @Test
    void absentTruncatedOrLyingMessagesGiveNull() {
        byte[] good = cmsg(0, 20, sockaddr(new InetSocketAddress("10.0.0.1", 53)));
        assertThat(find()).isNull();
        assertThat(find(cmsg(0, 8, new byte[4]))).isNull();                              // IP_PKTINFO only
        assertThat(OriginalDestination.find(MemorySegment.ofArray(good), good.length - 9)).isNull(); // cut inside
        byte[] lying = good.clone();
        ByteBuffer.wrap(lying).order(ByteOrder.nativeOrder()).putLong(0, 4096);          // cmsg_len past the end
        assertThat(find(lying)).isNull();
        ByteBuffer.wrap(lying).order(ByteOrder.nativeOrder()).putLong(0, 3);             // shorter than its header
        assertThat(find(lying)).isNull();
        byte[] wrongFamily = good.clone();
        wrongFamily[16] = 99;                                                            // sin_family garbage
        assertThat(find(wrongFamily)).isNull();
        assertThat(find(cmsg(0, 20, new byte[8]))).isNull();                              // sockaddr too short
        assertThat(OriginalDestination.find(MemorySegment.ofArray(good), good.length + 1)).isNull();
    }

    @Test
    void seededRandomAndMutatedControlBuffersNeverThrow() {
        Random r = new Random(20261128);
        byte[] a = cmsg(41, 50, new byte[20]), b0 = cmsg(0, 20, sockaddr(new InetSocketAddress("192.0.2.1", 9)));
        byte[] seed = ByteBuffer.allocate(a.length + b0.length).put(a).put(b0).array();
        int found = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[r.nextInt(96)];
                r.nextBytes(b);
            } else {
                b = seed.clone();
                for (int k = r.nextInt(4); k >= 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            if (OriginalDestination.find(MemorySegment.ofArray(b), r.nextInt(b.length + 1)) != null) found++;
        }
        assertThat(found).isPositive(); // mutations that spare the message still parse
    }
}
