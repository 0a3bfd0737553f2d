package dev.netext.linux.tun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cutting TCP super-packets as the kernel hands them over with TSO: every segment must be a valid packet on its own
 * (IP and TCP checksums checked with the byte-wise {@link Packets#checksum}, not the splitter's own code), and the
 * payloads must add up to the original stream.
 */
class GsoSplitterTest {
    private static final int IPV4_HDR = 20, IPV6_HDR = 40;

    /** A super-packet: headers (TCP with {@code tcpOptions} bytes of options) and {@code payload} bytes of payload. */
    static byte[] superPacket(boolean v6, int tcpOptions, byte[] payload, int tcpFlags) {
        int ipLen = v6 ? IPV6_HDR : IPV4_HDR;
        int tcpLen = 20 + tcpOptions;
        ByteBuffer b = ByteBuffer.allocate(ipLen + tcpLen + payload.length);
        if (v6) {
            b.put(0, (byte) 0x60).putShort(4, (short) (tcpLen + payload.length)).put(6, (byte) 6).put(7, (byte) 64);
            for (int i = 0; i < 16; i++) { b.put(8 + i, (byte) (0xfd + i)); b.put(24 + i, (byte) (0x20 + i)); }
        } else {
            b.put(0, (byte) 0x45).putShort(2, (short) (ipLen + tcpLen + payload.length)).putShort(4, (short) 0x1234)
                    .put(8, (byte) 64).put(9, (byte) 6).putInt(12, 0x0a000001).putInt(16, 0x0a000002);
        }
        b.putShort(ipLen, (short) 40000).putShort(ipLen + 2, (short) 5201).putInt(ipLen + 4, 0xfffff000)
                .putInt(ipLen + 8, 77).put(ipLen + 12, (byte) ((tcpLen / 4) << 4)).put(ipLen + 13, (byte) tcpFlags)
                .putShort(ipLen + 14, (short) 512);
        for (int i = 0; i < tcpOptions; i++) b.put(ipLen + 20 + i, (byte) 1); // NOPs
        b.put(ipLen + tcpLen, payload);
        return b.array();
    }

    private static int tcpChecksum(ByteBuffer p, int ipLen, boolean v6) {
        int tcpLen = p.limit() - ipLen;
        long pseudo = 6 + tcpLen;
        int from = v6 ? 8 : 12, to = v6 ? 40 : 20;
        for (int i = from; i < to; i += 2) pseudo += p.getShort(i) & 0xffff;
        return Packets.checksum(p, ipLen, tcpLen, pseudo);
    }

    @ParameterizedTest(name = "ipv6={0}")
    @ValueSource(booleans = {false, true})
    void segmentsAreValidPacketsThatRebuildTheStream(boolean v6) {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            int options = 4 * random.nextInt(11);
            int gsoSize = 500 + random.nextInt(1000);
            byte[] payload = new byte[1 + random.nextInt(65_000 - 60 - options)];
            random.nextBytes(payload);
            int flags = 0x10 | 0x08 | (random.nextBoolean() ? 0x01 : 0) | (random.nextBoolean() ? 0x80 : 0);
            byte[] sp = superPacket(v6, options, payload, flags);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(sp.length);
                MemorySegment.copy(sp, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, sp.length);
                int ipLen = v6 ? IPV6_HDR : IPV4_HDR;
                int hdrLen = GsoSplitter.headerLength(in, sp.length, ipLen);
                assertThat(hdrLen).isEqualTo(ipLen + 20 + options);
                int count = GsoSplitter.segmentCount(sp.length, hdrLen, gsoSize);
                assertThat(count).isEqualTo((payload.length + gsoSize - 1) / gsoSize);
                ByteArrayOutputStream stream = new ByteArrayOutputStream();
                MemorySegment out = arena.allocate(hdrLen + gsoSize);
                for (int i = 0; i < count; i++) {
                    int n = GsoSplitter.segment(in, sp.length, hdrLen, gsoSize, i, count, out);
                    ByteBuffer seg = ByteBuffer.wrap(out.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    assertThat(n).isLessThanOrEqualTo(hdrLen + gsoSize);
                    if (i < count - 1) assertThat(n).isEqualTo(hdrLen + gsoSize);
                    if (v6) {
                        assertThat(seg.getShort(4) & 0xffff).isEqualTo(n - IPV6_HDR);
                    } else {
                        assertThat(seg.getShort(2) & 0xffff).isEqualTo(n);
                        assertThat(seg.getShort(4) & 0xffff).isEqualTo(0x1234 + i);
                        assertThat(Packets.checksum(seg, 0, IPV4_HDR, 0)).as("IPv4 header checksum").isZero();
                    }
                    assertThat(tcpChecksum(seg, ipLen, v6)).as("TCP checksum of segment %d", i).isZero();
                    assertThat(seg.getInt(ipLen + 4)).isEqualTo(0xfffff000 + i * gsoSize); // wraps like TCP
                    int f = seg.get(ipLen + 13) & 0xff;
                    boolean last = i == count - 1;
                    assertThat(f & 0x09).isEqualTo(last ? flags & 0x09 : 0);
                    assertThat(f & 0x80).isEqualTo(i == 0 ? flags & 0x80 : 0);
                    stream.write(seg.array(), hdrLen, n - hdrLen);
                }
                assertThat(stream.toByteArray()).isEqualTo(payload);
            }
        }
    }

    @Test
    void partialChecksumIsCompleted() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            byte[] payload = new byte[random.nextInt(1400)];
            random.nextBytes(payload);
            byte[] p = superPacket(false, 0, payload, 0x18);
            ByteBuffer b = ByteBuffer.wrap(p);
            // what the kernel leaves with CHECKSUM_PARTIAL: the folded pseudo-header sum, not complemented
            long pseudo = 6 + (p.length - IPV4_HDR);
            for (int i = 12; i < 20; i += 2) pseudo += b.getShort(i) & 0xffff;
            b.putShort(IPV4_HDR + 16, (short) (~Packets.checksum(b, 0, 0, pseudo) & 0xffff));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(p.length);
                MemorySegment.copy(p, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, p.length);
                assertThat(GsoSplitter.completeChecksum(m, p.length, IPV4_HDR, 16)).isTrue();
                ByteBuffer done = ByteBuffer.wrap(m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                assertThat(tcpChecksum(done, IPV4_HDR, false)).isZero();
            }
        }
    }

    @Test
    void malformedGeometryIsRefusedNotCut() {
        byte[] good = superPacket(false, 0, new byte[3000], 0x10);
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(good.length);
            MemorySegment.copy(good, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, good.length);
            assertThat(GsoSplitter.headerLength(m, good.length, 21)).as("csum_start not at the TCP header").isEqualTo(-1);
            assertThat(GsoSplitter.headerLength(m, 30, 20)).as("truncated").isEqualTo(-1);
            assertThat(GsoSplitter.completeChecksum(m, 40, 30, 16)).as("checksum field outside").isFalse();
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 9, (byte) 17);
            assertThat(GsoSplitter.headerLength(m, good.length, 20)).as("not TCP").isEqualTo(-1);
            // random garbage: either refused or cut within bounds, never an exception
            for (int round = 0; round < 2000; round++) {
                int len = random.nextInt(good.length);
                byte[] junk = new byte[len];
                random.nextBytes(junk);
                MemorySegment j = arena.allocate(Math.max(1, len));
                MemorySegment.copy(junk, 0, j, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
                int csumStart = random.nextInt(80);
                int hdr = GsoSplitter.headerLength(j, len, csumStart);
                if (hdr < 0) continue;
                int gso = 1 + random.nextInt(1500);
                int count = GsoSplitter.segmentCount(len, hdr, gso);
                MemorySegment out = arena.allocate(hdr + gso);
                for (int i = 0; i < count; i++) assertThat(GsoSplitter.segment(j, len, hdr, gso, i, count, out)).isLessThanOrEqualTo(hdr + gso);
            }
        }
    }
    @Test
    void sumMatchesTheByteWiseSumAtEveryLengthAndOffset() {
        Random random = new Random(1071);
        byte[] bytes = new byte[70_000];
        random.nextBytes(bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            ByteBuffer b = m.asByteBuffer();
            for (int round = 0; round < 3000; round++) {
                int len = round < 200 ? round : random.nextInt(round < 2900 ? 2000 : 65536);
                int off = random.nextInt(9);
                long initial = random.nextInt(1 << 20);
                assertThat(~GsoSplitter.fold(GsoSplitter.sum(m, off, len, initial)) & 0xffff)
                        .as("length %d at %d", len, off).isEqualTo(Packets.checksum(b, off, len, initial));
            }
        }
    }

    @Test
    void headerSumMatchesTheByteWiseSumForHeaderLengths() {
        Random random = new Random(791);
        byte[] bytes = new byte[128];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(bytes.length);
            ByteBuffer b = m.asByteBuffer();
            for (int round = 0; round < 2000; round++) {
                random.nextBytes(bytes);
                MemorySegment.copy(bytes, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
                int len = 2 * random.nextInt(31); // 0 to 60, even
                int off = random.nextInt(60);
                long initial = random.nextInt(1 << 20);
                assertThat(~GsoSplitter.fold(GsoSplitter.headerSum(m, off, len, initial)) & 0xffff)
                        .as("length %d at %d", len, off).isEqualTo(Packets.checksum(b, off, len, initial));
            }
        }
    }
}
