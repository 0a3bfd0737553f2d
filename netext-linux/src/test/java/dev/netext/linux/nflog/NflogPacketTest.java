package dev.netext.linux.nflog;

import dev.netext.linux.netlink.NetlinkFormatException;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.netlink.NlMessageBuilder;
import dev.netext.linux.netlink.NlParser;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.netext.linux.nflog.NflogH.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * NFULNL_MSG_PACKET as the kernel lays it out (nfulnl_log_packet: nfgenmsg with the group as res_id, then packet
 * header, mark, timestamp, interfaces, payload), parsed back; then seeded random and mutated datagrams, which must
 * only ever be counted as malformed or parsed, never throw.
 */
class NflogPacketTest {
    /** A 20-byte IPv4 header + 20-byte TCP SYN header, 10.79.0.1:40000 → 10.79.0.2:8080. */
    static final byte[] SYN = hex("450000280001400040060000" + "0a4f00010a4f0002" + "9c401f90000000010000000050022000" + "00000000");

    static ByteBuffer message(int group, byte[] payload, boolean withTimestamp) {
        NlMessageBuilder b = new NlMessageBuilder(PACKET_TYPE, 0).u8(2).u8(0).u8(group >>> 8).u8(group);
        b.attr(NFULA_PACKET_HDR, new byte[] {0x08, 0x00, 3, 0});
        b.attr(NFULA_MARK, be32(0x4e580001));
        if (withTimestamp) b.attr(NFULA_TIMESTAMP, ByteBuffer.allocate(16).putLong(1_700_000_000L).putLong(123_456).array());
        b.attr(NFULA_IFINDEX_OUTDEV, be32(1));
        b.attr(NFULA_PREFIX, "netext\0".getBytes());
        b.attr(NFULA_PAYLOAD, payload);
        return b.build(0, 0);
    }

    @Test
    void parsesWhatTheKernelSends() {
        NlMessage m = NlParser.parse(message(40001, SYN, true)).getFirst();
        NflogPacket p = NflogPacket.parse(m);
        assertThat(p.group()).isEqualTo(40001);
        assertThat(p.family()).isEqualTo(2);
        assertThat(p.hook()).isEqualTo(3);
        assertThat(p.mark()).isEqualTo(0x4e580001);
        assertThat(p.epochNanos()).isEqualTo(1_700_000_000_000_000_000L + 123_456_000L);
        assertThat(p.outIfindex()).isEqualTo(1);
        assertThat(p.inIfindex()).isZero();
        assertThat(p.payload()).isEqualTo(SYN);
        assertThat(NflogPacket.parse(NlParser.parse(message(7, SYN, false)).getFirst()).epochNanos()).isEqualTo(-1);
    }

    @Test
    void refusesMalformedPacketsWithAFormatError() {
        NlMessage noPayload = NlParser.parse(new NlMessageBuilder(PACKET_TYPE, 0).u8(2).u8(0).u8(0).u8(1)
                .attr(NFULA_MARK, be32(1)).build(0, 0)).getFirst();
        assertThatThrownBy(() -> NflogPacket.parse(noPayload)).isInstanceOf(NetlinkFormatException.class).hasMessageContaining("NFULA_PAYLOAD");
        NlMessage shortMark = NlParser.parse(new NlMessageBuilder(PACKET_TYPE, 0).u8(2).u8(0).u8(0).u8(1)
                .attr(NFULA_MARK, new byte[] {1}).attr(NFULA_PAYLOAD, SYN).build(0, 0)).getFirst();
        assertThatThrownBy(() -> NflogPacket.parse(shortMark)).isInstanceOf(NetlinkFormatException.class).hasMessageContaining("needs 4");
        NlMessage badTime = NlParser.parse(new NlMessageBuilder(PACKET_TYPE, 0).u8(2).u8(0).u8(0).u8(1)
                .attr(NFULA_TIMESTAMP, ByteBuffer.allocate(16).putLong(1).putLong(2_000_000).array()).attr(NFULA_PAYLOAD, SYN)
                .build(0, 0)).getFirst();
        assertThatThrownBy(() -> NflogPacket.parse(badTime)).isInstanceOf(NetlinkFormatException.class).hasMessageContaining("out of range");
        NlMessage bare = NlParser.parse(new NlMessageBuilder(PACKET_TYPE, 0).u8(2).build(0, 0)).getFirst();
        assertThatThrownBy(() -> NflogPacket.parse(bare)).isInstanceOf(NetlinkFormatException.class);
    }

    @Test
    void aDatagramOfSeveralPacketsDeliversEach() {
        ByteBuffer a = message(9, SYN, true), b = message(9, new byte[] {0x45, 0, 0, 20}, false);
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).order(ByteOrder.nativeOrder()).put(a).put(b).flip();
        List<NflogPacket> got = new ArrayList<>();
        assertThat(NflogSocket.deliverAll(both, got::add, null)).isEqualTo(2);
        assertThat(got.get(1).payload()).hasSize(4);
    }

    @Test
    void fuzzedDatagramsAreParsedOrSkippedNeverThrown() {
        Random r = new Random(0x4e7f106L);
        ByteBuffer good = message(3, SYN, true);
        byte[] base = new byte[good.remaining()];
        good.get(base);
        int parsed = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] d;
            if (i % 4 == 0) {
                d = new byte[r.nextInt(200)];
                r.nextBytes(d);
                if (d.length >= 6 && r.nextBoolean()) { // a plausible header so the attributes get fuzzed too
                    ByteBuffer.wrap(d).order(ByteOrder.nativeOrder()).putInt(0, d.length).putShort(4, (short) PACKET_TYPE);
                }
            } else {
                d = base.clone();
                for (int k = 1 + r.nextInt(4); k > 0; k--) d[r.nextInt(d.length)] = (byte) r.nextInt(256);
                if (r.nextInt(3) == 0) d = java.util.Arrays.copyOf(d, r.nextInt(d.length + 1));
            }
            NflogSocket counter = null;
            parsed += NflogSocket.deliverAll(ByteBuffer.wrap(d).order(ByteOrder.nativeOrder()), p -> {
                assertThat(p.payload()).isNotNull();
                assertThat(p.epochNanos()).isGreaterThanOrEqualTo(-1);
            }, counter);
        }
        assertThat(parsed).isPositive(); // mutations that keep the framing still parse
    }

    private static byte[] be32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    private static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }
}
