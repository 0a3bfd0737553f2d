package dev.netext.linux.tun;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write-side merge: segments cut from one super-packet continue each other and merge back into a header the
 * kernel accepts (checked field by field); anything that breaks the stream (a gap, another flow, a bad checksum, SYN)
 * is not merged.
 */
class TcpCoalescerTest {

    /** Cuts a super-packet into segments with the (separately tested) splitter. */
    private static MemorySegment[] segments(Arena arena, byte[] sp, int ipLen, int gsoSize, int[] lengths) {
        MemorySegment in = arena.allocate(sp.length);
        MemorySegment.copy(sp, 0, in, JAVA_BYTE, 0, sp.length);
        int hdr = GsoSplitter.headerLength(in, sp.length, ipLen);
        int count = GsoSplitter.segmentCount(sp.length, hdr, gsoSize);
        MemorySegment[] out = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            out[i] = arena.allocate(hdr + gsoSize);
            lengths[i] = GsoSplitter.segment(in, sp.length, hdr, gsoSize, i, count, out[i]);
        }
        return out;
    }

    private static byte[] superPacket(boolean v6, int payload, int flags) {
        byte[] p = new byte[payload];
        new Random(payload).nextBytes(p);
        return GsoSplitterTest.superPacket(v6, 12, p, flags);
    }

    @ParameterizedTest(name = "ipv6={0}")
    @ValueSource(booleans = {false, true})
    void segmentsOfOneStreamMergeIntoAValidSuperPacketHeader(boolean v6) {
        int ipLen = v6 ? 40 : 20;
        int gso = 1368;
        try (Arena arena = Arena.ofConfined()) {
            byte[] sp = superPacket(v6, gso * 10 + 100, 0x18);
            int[] len = new int[11];
            MemorySegment[] seg = segments(arena, sp, ipLen, gso, len);
            int hdr = TcpCoalescer.eligible(seg[0], len[0]);
            assertThat(hdr).isEqualTo(ipLen + 32);
            long seq = TcpCoalescer.seq(seg[0]) + gso;
            int total = len[0];
            for (int i = 1; i < seg.length; i++) {
                assertThat(TcpCoalescer.eligible(seg[i], len[i])).isEqualTo(hdr);
                assertThat(TcpCoalescer.continues(seg[0], hdr, gso, seq, seg[i], len[i], hdr)).as("segment %d", i).isTrue();
                assertThat(TcpCoalescer.endsRun(seg[i], len[i], hdr, gso)).isEqualTo(i == seg.length - 1);
                seq += len[i] - hdr;
                total += len[i] - hdr;
            }
            assertThat(total).isEqualTo(sp.length);
            assertThat(TcpCoalescer.continues(seg[0], hdr, gso, seq, seg[2], len[2], hdr)).as("out of order").isFalse();

            MemorySegment header = arena.allocate(100);
            MemorySegment vnet = arena.allocate(10);
            TcpCoalescer.mergedHeader(seg[0], hdr, gso, total, true, header, vnet);
            ByteBuffer h = header.asSlice(0, hdr).asByteBuffer();
            ByteBuffer v = vnet.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            assertThat(v.get(0)).isEqualTo((byte) 1);
            assertThat(v.get(1)).isEqualTo((byte) (v6 ? 4 : 1));
            assertThat(v.getShort(2)).isEqualTo((short) hdr);
            assertThat(v.getShort(4)).isEqualTo((short) gso);
            assertThat(v.getShort(6)).isEqualTo((short) ipLen);
            assertThat(v.getShort(8)).isEqualTo((short) 16);
            if (v6) assertThat(h.getShort(4) & 0xffff).isEqualTo(total - 40);
            else {
                assertThat(h.getShort(2) & 0xffff).isEqualTo(total);
                assertThat(Packets.checksum(h, 0, 20, 0)).isZero();
            }
            assertThat(h.get(ipLen + 13) & 0x08).as("PSH of the last segment").isEqualTo(0x08);
            // CHECKSUM_PARTIAL: the checksum field holds the folded pseudo-header sum for the merged length
            long pseudo = 6 + (total - ipLen);
            for (int i = v6 ? 8 : 12; i < (v6 ? 40 : 20); i += 2) pseudo += h.getShort(i) & 0xffff;
            assertThat(h.getShort(ipLen + 16) & 0xffff).isEqualTo(~Packets.checksum(h, 0, 0, pseudo) & 0xffff);
        }
    }

    @ParameterizedTest(name = "ipv6={0}")
    @ValueSource(booleans = {false, true})
    void whatBreaksTheStreamIsNotMerged(boolean v6) {
        int ipLen = v6 ? 40 : 20;
        int gso = 1000;
        try (Arena arena = Arena.ofConfined()) {
            int[] len = new int[3];
            MemorySegment[] seg = segments(arena, superPacket(v6, 3000, 0x10), ipLen, gso, len);
            int hdr = TcpCoalescer.eligible(seg[0], len[0]);
            long seq = TcpCoalescer.seq(seg[0]) + gso;
            assertThat(TcpCoalescer.continues(seg[0], hdr, gso, seq, seg[1], len[1], hdr)).isTrue();
            // another flow: a different source port
            seg[1].set(JAVA_BYTE, ipLen + 1, (byte) (seg[1].get(JAVA_BYTE, ipLen + 1) + 1));
            assertThat(TcpCoalescer.continues(seg[0], hdr, gso, seq, seg[1], len[1], hdr)).isFalse();
            assertThat(TcpCoalescer.eligible(seg[1], len[1])).as("checksum no longer valid").isEqualTo(-1);
            // SYN is never merged
            int[] l2 = new int[3];
            MemorySegment[] syn = segments(arena, superPacket(v6, 3000, 0x12), ipLen, gso, l2);
            assertThat(TcpCoalescer.eligible(syn[0], l2[0])).isEqualTo(-1);
            // a corrupted payload byte: refused
            seg[2].set(JAVA_BYTE, len[2] - 1, (byte) (seg[2].get(JAVA_BYTE, len[2] - 1) ^ 0x40));
            assertThat(TcpCoalescer.eligible(seg[2], len[2])).isEqualTo(-1);
            // random bytes never throw
            Random r = new Random(3);
            for (int i = 0; i < 2000; i++) {
                byte[] junk = new byte[r.nextInt(200)];
                r.nextBytes(junk);
                if (junk.length > 0) junk[0] = (byte) (r.nextBoolean() ? 0x45 : 0x60);
                MemorySegment j = arena.allocate(Math.max(1, junk.length));
                MemorySegment.copy(junk, 0, j, JAVA_BYTE, 0, junk.length);
                int h = TcpCoalescer.eligible(j, junk.length);
                if (h > 0) TcpCoalescer.continues(seg[0], hdr, gso, seq, j, junk.length, h);
            }
        }
    }
}
