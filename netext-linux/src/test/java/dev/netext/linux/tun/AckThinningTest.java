package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which ACKs of a batch are thinned: only pure ACKs that a later pure ACK of the same connection acknowledges beyond;
 * never a duplicate ACK, a SACK, data, another flag, a CE mark or a packet with a bad checksum.
 */
class AckThinningTest {
    static final int ACK = 0x10, PSH = 0x08, FIN = 0x01;

    /** An IPv4 or IPv6 TCP packet with valid checksums: {@code options} raw, {@code payload} bytes of zeroes. */
    static ByteBuffer tcp(boolean v6, int srcPort, int ack, int flags, byte[] options, int payload, int ecn) {
        return tcp(v6, 0x0a000001, 0x0a000002, srcPort, ack, flags, options, payload, ecn);
    }

    /** The same from IPv4 {@code src} to {@code dst} (IPv6 packets keep their fixed addresses). */
    static ByteBuffer tcp(boolean v6, int src, int dst, int srcPort, int ack, int flags, byte[] options, int payload, int ecn) {
        int ipLen = v6 ? 40 : 20, tcpLen = 20 + options.length, len = ipLen + tcpLen + payload;
        ByteBuffer p = ByteBuffer.allocate(len);
        if (v6) {
            p.put(0, (byte) 0x60).put(1, (byte) (ecn << 4)).putShort(4, (short) (tcpLen + payload)).put(6, (byte) 6).put(7, (byte) 64);
            for (int i = 0; i < 16; i++) { p.put(8 + i, (byte) (0x20 + i)); p.put(24 + i, (byte) (0x40 + i)); }
        } else {
            p.put(0, (byte) 0x45).put(1, (byte) ecn).putShort(2, (short) len).put(8, (byte) 64).put(9, (byte) 6);
            p.putInt(12, src).putInt(16, dst);
            p.putShort(10, (short) Packets.checksum(p, 0, 20, 0));
        }
        p.putShort(ipLen, (short) srcPort).putShort(ipLen + 2, (short) 5201).putInt(ipLen + 4, 1000).putInt(ipLen + 8, ack);
        p.put(ipLen + 12, (byte) ((tcpLen / 4) << 4)).put(ipLen + 13, (byte) flags).putShort(ipLen + 14, (short) 512);
        p.put(ipLen + 20, options);
        long pseudo = 0;
        for (int i = v6 ? 8 : 12; i < (v6 ? 40 : 20); i += 2) pseudo += p.getShort(i) & 0xffff;
        pseudo += 6 + tcpLen + payload;
        p.putShort(ipLen + 16, (short) Packets.checksum(p, ipLen, tcpLen + payload, pseudo));
        return p;
    }

    static byte[] timestamps(int tsval) {
        return ByteBuffer.allocate(12).put(0, (byte) 1).put(1, (byte) 1).put(2, (byte) 8).put(3, (byte) 10).putInt(4, tsval).putInt(8, 7).array();
    }

    static ByteBuffer ack(boolean v6, int port, int ack) {
        return tcp(v6, port, ack, ACK, timestamps(ack), 0, 0);
    }

    /** The indexes of the packets left in the batch after thinning. */
    static List<Integer> kept(List<ByteBuffer> packets) {
        PacketBatch batch = PacketBatch.allocate(64, 2048);
        for (ByteBuffer p : packets) batch.add(p.duplicate());
        int thinned = new AckThinning().thin(batch);
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < batch.count(); i++) if (batch.length(i) > 0) kept.add(i);
        assertThat(thinned).isEqualTo(packets.size() - kept.size());
        return kept;
    }

    @ParameterizedTest(name = "ipv6={0}")
    @ValueSource(booleans = {false, true})
    void onlyTheNewestOfARunOfAdvancingAcksIsWritten(boolean v6) {
        assertThat(kept(List.of(ack(v6, 1, 100), ack(v6, 1, 200), ack(v6, 1, 300)))).containsExactly(2);
    }

    @Test
    void duplicateAcksAreAllKept() {
        // three duplicate ACKs are the sender's fast-retransmit signal: none may go
        assertThat(kept(List.of(ack(false, 1, 100), ack(false, 1, 100), ack(false, 1, 100)))).containsExactly(0, 1, 2);
        // nor may the ones a later ACK merely repeats
        assertThat(kept(List.of(ack(false, 1, 100), ack(false, 1, 200), ack(false, 1, 200)))).containsExactly(1, 2);
    }

    @Test
    void connectionsAreThinnedEachOnItsOwn() {
        assertThat(kept(List.of(ack(false, 1, 100), ack(false, 2, 900), ack(false, 1, 200), ack(true, 1, 150), ack(false, 2, 950),
                ack(true, 1, 50)))).containsExactly(2, 3, 4, 5);
    }

    @Test
    void anAckBehindAnEarlierOneIsNotASupersedingOne() {
        // reordered: the later packet acknowledges less; both stay, the kernel sorts it out
        assertThat(kept(List.of(ack(false, 1, 300), ack(false, 1, 200)))).containsExactly(0, 1);
    }

    @Test
    void sequenceNumbersWrap() {
        assertThat(kept(List.of(ack(false, 1, 0xfffffff0), ack(false, 1, 0x10)))).containsExactly(1);
        assertThat(kept(List.of(ack(false, 1, 0x10), ack(false, 1, 0xfffffff0)))).containsExactly(0, 1);
    }

    @Test
    void acksThatSayMoreAreNeverThinned() {
        byte[] sack = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
        assertThat(kept(List.of(tcp(false, 1, 100, ACK, sack, 0, 0), ack(false, 1, 200)))).as("SACK").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK | PSH, timestamps(1), 0, 0), ack(false, 1, 200)))).as("PSH").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK | FIN, timestamps(1), 0, 0), ack(false, 1, 200)))).as("FIN").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK | 0x40, timestamps(1), 0, 0), ack(false, 1, 200)))).as("ECE").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK, timestamps(1), 10, 0), ack(false, 1, 200)))).as("data").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK, timestamps(1), 0, 3), ack(false, 1, 200)))).as("CE").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(true, 1, 100, ACK, timestamps(1), 0, 3), ack(true, 1, 200)))).as("CE v6").containsExactly(0, 1);
        assertThat(kept(List.of(tcp(false, 1, 100, ACK, new byte[0], 0, 0), ack(false, 1, 200)))).as("no options: thinned").containsExactly(1);
    }

    @Test
    void aPacketWithABadChecksumNeitherGoesNorSupersedes() {
        ByteBuffer bad = ack(false, 1, 300);
        bad.putShort(36, (short) (bad.getShort(36) ^ 0x0101));
        assertThat(kept(List.of(ack(false, 1, 100), bad))).containsExactly(0, 1);
        ByteBuffer badEarly = ack(false, 1, 100);
        badEarly.putShort(36, (short) (badEarly.getShort(36) ^ 0x0101));
        assertThat(kept(List.of(badEarly, ack(false, 1, 200)))).containsExactly(0, 1);
    }

    @Test
    void beyondEightConnectionsAcksAreWrittenAsTheyAre() {
        List<ByteBuffer> packets = new ArrayList<>();
        for (int port = 1; port <= 10; port++) packets.add(ack(false, port, 100));
        for (int port = 1; port <= 10; port++) packets.add(ack(false, port, 200));
        // the backward pass follows the last eight connections (ports 3..10): their first ACKs go
        List<Integer> kept = kept(packets);
        assertThat(kept).hasSize(12).contains(0, 1).containsAll(List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19));
    }

    /**
     * Random batches of ACKs, data and junk over three connections, and random bytes: whatever is thinned was a pure
     * ACK with a kept, later, strictly newer pure ACK of its connection; nothing throws.
     */
    @Test
    void randomBatchesThinOnlySupersededAcks() {
        Random r = new Random(20261207);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + r.nextInt(40);
            List<ByteBuffer> packets = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(10);
                boolean v6 = r.nextInt(4) == 0;
                int port = 1 + r.nextInt(3), a = 1000 + r.nextInt(50) * 100;
                if (kind < 6) packets.add(ack(v6, port, a));
                else if (kind < 8) packets.add(tcp(v6, port, a, ACK, timestamps(a), 1 + r.nextInt(100), 0));
                else {
                    byte[] junk = new byte[r.nextInt(80)];
                    r.nextBytes(junk);
                    packets.add(ByteBuffer.wrap(junk));
                }
            }
            PacketBatch batch = PacketBatch.allocate(64, 2048);
            for (ByteBuffer p : packets) batch.add(p.duplicate());
            new AckThinning().thin(batch);
            for (int i = 0; i < n; i++) {
                ByteBuffer p = packets.get(i);
                if (batch.length(i) > 0 || p.limit() == 0) continue;
                int ipLen = AckThinning.pureAckIpLength(MemorySegment.ofBuffer(p), p.limit());
                assertThat(ipLen).as("round %d packet %d thinned but not a pure ACK", round, i).isPositive();
                boolean superseded = false;
                for (int j = i + 1; j < n && !superseded; j++) {
                    ByteBuffer q = packets.get(j);
                    superseded = batch.length(j) > 0 && AckThinning.pureAckIpLength(MemorySegment.ofBuffer(q), q.limit()) == ipLen
                            && q.getShort(ipLen) == p.getShort(ipLen) && q.get(0) == p.get(0)
                            && q.getInt(ipLen + 8) - p.getInt(ipLen + 8) > 0;
                }
                assertThat(superseded).as("round %d packet %d thinned without a newer kept ACK", round, i).isTrue();
            }
        }
    }
}
