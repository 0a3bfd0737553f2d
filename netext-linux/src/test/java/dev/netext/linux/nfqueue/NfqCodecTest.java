package dev.netext.linux.nfqueue;

import dev.netext.linux.netlink.NetlinkFormatException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Exact bytes of the queue messages, laid out by hand from nfnetlink_queue.h and nfnetlink.h (x86-64: the nlmsghdr
 * and nlattr headers little-endian, nfgenmsg.res_id and every attribute value big-endian).
 */
class NfqCodecTest {

    static String hex(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HexFormat.of().formatHex(a);
    }

    static String norm(String s) { return s.replaceAll("\\s+", ""); }

    static byte[] bytes(String hex) { return HexFormat.of().parseHex(norm(hex)); }

    @Test
    void bindMessage() {
        ByteBuffer m = NfqConfigRequests.bind(1, NfqConfig.of(7, false));
        assertThat(hex(m)).isEqualTo(norm("""
                30000000 0203 0500 01000000 00000000
                00 00 0007
                0800 0100 01 00 0000
                0900 0200 0000ffff 02 000000
                0800 0300 00001000
                """));
    }

    @Test
    void flagsAndUnbindMessages() {
        NfqConfig c = NfqConfig.of(7, true);
        assertThat(c.flags()).isEqualTo(0b111); // FAIL_OPEN | CONNTRACK | GSO
        assertThat(hex(NfqConfigRequests.flags(2, 7, NfqConfigRequests.FLAG_MASK, c.flags()))).isEqualTo(norm("""
                24000000 0203 0500 02000000 00000000
                00 00 0007
                0800 0400 00000007
                0800 0500 00000007
                """));
        assertThat(hex(NfqConfigRequests.unbind(3, 300))).isEqualTo(norm("""
                1c000000 0203 0500 03000000 00000000
                00 00 012c
                0800 0100 02 00 0000
                """));
    }

    @Test
    void verdictWithMarkAndPayload() {
        try (Arena a = Arena.ofConfined()) {
            NfqVerdictWriter w = new NfqVerdictWriter(a.allocate(512));
            w.verdict(9, 7, 0x01020304, NfqueueH.NF_ACCEPT, 0x00010000, MemorySegment.ofArray("ABCDE".getBytes()));
            assertThat(HexFormat.of().formatHex(w.buffer().asSlice(0, w.length()).toArray(JAVA_BYTE))).isEqualTo(norm("""
                    34000000 0103 0100 09000000 00000000
                    00 00 0007
                    0c00 0200 00000001 01020304
                    0800 0300 00010000
                    0900 0a00 4142434445 000000
                    """));
            assertThat(w.count()).isEqualTo(1);
        }
    }

    @Test
    void verdictsAppendBackToBackAndBatchVerdict() {
        try (Arena a = Arena.ofConfined()) {
            NfqVerdictWriter w = new NfqVerdictWriter(a.allocate(512));
            w.verdict(1, 7, 5, NfqueueH.NF_DROP, false, 0, null);
            w.batch(2, 7, 9, NfqueueH.NF_ACCEPT, false, 0);
            assertThat(HexFormat.of().formatHex(w.buffer().asSlice(0, w.length()).toArray(JAVA_BYTE))).isEqualTo(norm("""
                    20000000 0103 0100 01000000 00000000  00 00 0007  0c00 0200 00000000 00000005
                    20000000 0303 0100 02000000 00000000  00 00 0007  0c00 0200 00000001 00000009
                    """));
            w.reset();
            assertThat(w.length()).isZero();
        }
    }

    @Test
    void writerRefusesWhatDoesNotFit() {
        try (Arena a = Arena.ofConfined()) {
            NfqVerdictWriter w = new NfqVerdictWriter(a.allocate(64));
            assertThat(w.fits(100)).isFalse();
            assertThatThrownBy(() -> w.verdict(1, 7, 5, NfqueueH.NF_ACCEPT, false, 0, MemorySegment.ofArray(new byte[100])))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /** A packet message as the kernel sends it for a locally sent UDP datagram on queue 7. */
    static final String PACKET = """
            68000000 0003 0000 00000000 00000000
            02 00 0007
            0b00 0100 0000002a 0800 03 00
            0800 0300 00020000
            0800 0600 00000002
            0800 0e00 00000001
            2000 0a00 4500001c 00004000 40110000 7f000001 7f000001 d4312706 00080000
            0800 0d00 000005dc
            0800 0c00 00000002
            """;

    @Test
    void parsesAPacketMessage() {
        byte[] b = bytes(PACKET);
        NfqPacket p = new NfqPacket().parse(MemorySegment.ofArray(b), 0, b.length);
        assertThat(p.queue()).isEqualTo(7);
        assertThat(p.packetId()).isEqualTo(42);
        assertThat(p.hwProtocol()).isEqualTo(0x0800);
        assertThat(p.hook()).isEqualTo(NfqueueH.NF_INET_LOCAL_OUT);
        assertThat(p.mark()).isEqualTo(0x00020000);
        assertThat(QueueMarks.field(p.mark())).isEqualTo(QueueMarks.STATE_ESTABLISHED);
        assertThat(p.outIfindex()).isEqualTo(2);
        assertThat(p.inIfindex()).isEqualTo(-1);
        assertThat(p.checksumNotReady()).isTrue();
        assertThat(p.isGso()).isFalse();
        assertThat(p.capLen()).isEqualTo(1500);
        assertThat(p.ctInfo()).isEqualTo(NfqueueH.IP_CT_NEW);
        assertThat(p.payloadLength()).isEqualTo(28);
        assertThat(p.payloadBuffer().get(0)).isEqualTo((byte) 0x45);
        assertThat(p.payloadBuffer().getShort(22)).isEqualTo((short) 0x2706); // destination port 9990
    }

    @Test
    void rejectsMessagesWithoutPacketHeaderOrOfAnotherType() {
        byte[] noHdr = bytes("1c000000 0003 0000 00000000 00000000 02000007 0800 0300 00000001");
        assertThatThrownBy(() -> new NfqPacket().parse(MemorySegment.ofArray(noHdr), 0, noHdr.length))
                .isInstanceOf(NetlinkFormatException.class).hasMessageContaining("NFQA_PACKET_HDR");
        byte[] other = bytes("14000000 0103 0000 00000000 00000000 02000007");
        assertThatThrownBy(() -> new NfqPacket().parse(MemorySegment.ofArray(other), 0, other.length))
                .isInstanceOf(NetlinkFormatException.class).hasMessageContaining("type 0x301");
        byte[] shortHdr = bytes("1b000000 0003 0000 00000000 00000000 02000007 0700 0100 000000");
        assertThatThrownBy(() -> new NfqPacket().parse(MemorySegment.ofArray(shortHdr), 0, shortHdr.length))
                .isInstanceOf(NetlinkFormatException.class).hasMessageContaining("needs 7");
    }

    @Test
    void queueMarksField() {
        assertThat(QueueMarks.FIELD_MASK).isEqualTo(0x00070000);
        assertThat(QueueMarks.with(0x4e58000c, QueueMarks.DECIDED_DROP)).isEqualTo(0x4e5f000c);
        assertThat(QueueMarks.cleared(0x4e5f000c)).isEqualTo(0x4e58000c);
        assertThat(QueueMarks.valueMask(QueueMarks.DECIDED_ACCEPT)).isEqualTo("0x60000/0x70000");
        // the tunnel's bypass marks never touch the field
        assertThat(0x4e58_03ff & QueueMarks.FIELD_MASK).isZero();
    }
}
