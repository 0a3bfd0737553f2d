package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    /** RFC 1071 §1 written as plainly as possible: 16-bit big-endian words, odd byte padded, carries folded. */
    static int referenceSum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xFF;
            int lo = i + 1 < len ? b[off + i + 1] & 0xFF : 0;
            s += hi << 8 | lo;
        }
        while (s >>> 16 != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    @Test
    void rfc1071NumericalExample() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, checksum 220d.
        byte[] b = Vectors.hex("0001f203f4f5f6f7");
        assertThat(Checksum.sum(b, 0, b.length)).isEqualTo(0xddf2);
        assertThat(Checksum.compute(ByteBuffer.wrap(b), 0, b.length)).isEqualTo(0x220d);
    }

    @Test
    void emptyRangeSumsToZero() {
        assertThat(Checksum.sum(new byte[0], 0, 0)).isZero();
        assertThat(Checksum.compute(ByteBuffer.allocate(4), 2, 0)).isEqualTo(0xFFFF);
    }

    @Test
    void matchesReferenceForAllLengthsAndOffsetsInHeapDirectAndLittleEndianBuffers() {
        Random rnd = new Random(1071);
        byte[] data = new byte[1500 + 16];
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
        for (int len = 0; len <= 1500; len++) {
            rnd.nextBytes(data);
            if (len % 7 == 0) {
                java.util.Arrays.fill(data, (byte) 0xFF);   // worst case for carries
            }
            direct.clear();
            direct.put(data).clear();
            for (int off : new int[] {0, 1, 3, 8 + (len % 8)}) {
                int expected = referenceSum(data, off, len);
                assertThat(Checksum.sum(ByteBuffer.wrap(data), off, len)).as("heap len=%d off=%d", len, off).isEqualTo(expected);
                assertThat(Checksum.sum(direct, off, len)).as("direct len=%d off=%d", len, off).isEqualTo(expected);
                assertThat(Checksum.sum(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), off, len))
                        .as("LE len=%d off=%d", len, off).isEqualTo(expected);
            }
        }
    }

    @Test
    void sumsOfEvenPiecesCombine() {
        Random rnd = new Random(2);
        byte[] data = new byte[999];
        rnd.nextBytes(data);
        for (int cut = 0; cut <= data.length; cut += 2) {
            int combined = Checksum.add(Checksum.sum(data, 0, cut), Checksum.sum(data, cut, data.length - cut));
            assertThat(combined).isEqualTo(referenceSum(data, 0, data.length));
        }
    }

    @Test
    void incrementalUpdateMatchesRecomputation() {
        Random rnd = new Random(1624);
        byte[] data = new byte[64];
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int round = 0; round < 10_000; round++) {
            rnd.nextBytes(data);
            int at = rnd.nextInt(15) * 4;
            int ck = Checksum.compute(b, 0, data.length);
            if (rnd.nextBoolean()) {
                int old = b.getShort(at) & 0xFFFF;
                int neu = round % 50 == 0 ? old : rnd.nextInt(0x10000);
                b.putShort(at, (short) neu);
                ck = Checksum.update16(ck, old, neu);
            } else {
                int old = b.getInt(at);
                int neu = rnd.nextInt();
                b.putInt(at, neu);
                ck = Checksum.update32(ck, old, neu);
            }
            int full = Checksum.compute(b, 0, data.length);
            assertThat(ck).isEqualTo(full);
        }
    }

    @Test
    void incrementalUpdateFollowsEquationThreeNotRfc1141() {
        // RFC 1624 §4: when the new data sums to 0xFFFF a recomputation yields checksum 0x0000; RFC 1141's
        // HC + m - m' would yield 0xFFFF, eqn. 3 must agree with the recomputation.
        byte[] data = Vectors.hex("00000001");
        ByteBuffer b = ByteBuffer.wrap(data);
        int ck = Checksum.compute(b, 0, 4);
        b.putShort(0, (short) 0xFFFE);
        assertThat(Checksum.compute(b, 0, 4)).isZero();
        assertThat(Checksum.update16(ck, 0x0000, 0xFFFE)).isZero();
    }

    @Test
    void pseudoHeadersMatchScapyChecksums() {
        ByteBuffer udp4 = Vectors.buffer("v4_udp_request");
        int s = Checksum.add(Checksum.pseudoHeaderV4(udp4, 12, 16, IpProtocol.UDP, 21), Checksum.sum(udp4, 20, 21));
        assertThat(Checksum.verifies(s)).isTrue();

        ByteBuffer udp6 = Vectors.buffer("v6_udp_request");
        int s6 = Checksum.add(Checksum.pseudoHeaderV6(udp6, 8, 24, IpProtocol.UDP, 15), Checksum.sum(udp6, 40, 15));
        assertThat(Checksum.verifies(s6)).isTrue();

        // A 32-bit upper-layer length folds its high half in (RFC 8200 §8.1 "Upper-Layer Packet Length" is 32 bits).
        assertThat(Checksum.pseudoHeaderV6(ByteBuffer.allocate(32), 0, 16, 0, 0x0001_0002)).isEqualTo(3);
    }

    @Test
    void udpZeroIsTransmittedAsAllOnes() {
        assertThat(Checksum.udpTransmitted(0)).isEqualTo(0xFFFF);
        assertThat(Checksum.udpTransmitted(0x1234)).isEqualTo(0x1234);
    }
}
