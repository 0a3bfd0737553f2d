package dev.netext.wire.quic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.wire.peek.PeekVectors;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 9001 Appendix A (QUIC v1) and RFC 9369 Appendix A (QUIC v2), value for value. */
class InitialPacketOpenerTest {
    private static final byte[] DCID = PeekVectors.hex("8394c8f03e515708");
    /** Both RFCs' client Initial header: first byte, version, DCID, SCID 0, token 0, Length 0x049e, PN offset 18. */
    private static final int PN_OFFSET = 18;

    private static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    @Test
    void rfc9001A1Keys() {
        InitialKeys client = InitialKeys.derive(QuicVersion.V1, DCID, true);
        assertThat(hex(client.secret())).isEqualTo("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
        assertThat(hex(client.key())).isEqualTo("1f369613dd76d5467730efcbe3b1a22d");
        assertThat(hex(client.iv())).isEqualTo("fa044b2f42a3fd3b46fb255c");
        assertThat(hex(client.hp())).isEqualTo("9f50449e04a0e810283a1e9933adedd2");
        InitialKeys server = InitialKeys.derive(QuicVersion.V1, DCID, false);
        assertThat(hex(server.secret())).isEqualTo("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
        assertThat(hex(server.key())).isEqualTo("cf3a5331653c364c88f0f379b6067e37");
        assertThat(hex(server.iv())).isEqualTo("0ac1493ca1905853b0bba03e");
        assertThat(hex(server.hp())).isEqualTo("c206b8d9b9f0f37644430b490eeaa314");
    }

    @Test
    void rfc9369A1Keys() {
        InitialKeys client = InitialKeys.derive(QuicVersion.V2, DCID, true);
        assertThat(hex(client.secret())).isEqualTo("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
        assertThat(hex(client.key())).isEqualTo("8b1a0bc121284290a29e0971b5cd045d");
        assertThat(hex(client.iv())).isEqualTo("91f73e2351d8fa91660e909f");
        assertThat(hex(client.hp())).isEqualTo("45b95e15235d6f45a6b19cbcb0294ba9");
        InitialKeys server = InitialKeys.derive(QuicVersion.V2, DCID, false);
        assertThat(hex(server.secret())).isEqualTo("0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1");
        assertThat(hex(server.key())).isEqualTo("82db637861d55e1d011f19ea71d5d2a7");
        assertThat(hex(server.iv())).isEqualTo("dd13c276499c0249d3310652");
        assertThat(hex(server.hp())).isEqualTo("edf6d05c83121201b436e16877593c3a");
    }

    @Test
    void rfc9001A2ClientInitialOpensToTheCryptoFrame() {
        openA2(QuicVersion.V1, "rfc9001-a2-client-initial.hex", "c300000001088394c8f03e5157080000449e00000002");
    }

    @Test
    void rfc9369A2ClientInitialOpensToTheCryptoFrame() {
        openA2(QuicVersion.V2, "rfc9369-a2-client-initial.hex", "d36b3343cf088394c8f03e5157080000449e00000002");
    }

    private void openA2(QuicVersion v, String vector, String unprotectedHeader) {
        byte[] packet = PeekVectors.load(vector);
        assertThat(packet).hasSize(1200);
        byte[] out = new byte[packet.length];
        InitialPacketOpener opener = new InitialPacketOpener();
        int n = opener.open(packet, 0, PN_OFFSET, packet.length, v, 6, DCID.length, out);
        assertThat(opener.problem()).isNull();
        assertThat(n).isEqualTo(1162);
        assertThat(opener.packetNumber()).isEqualTo(2);
        assertThat(hex(Arrays.copyOf(packet, 22))).isEqualTo(unprotectedHeader);
        byte[] frame = PeekVectors.load("rfc9001-a2-crypto-frame.hex");
        assertThat(Arrays.copyOf(out, frame.length)).isEqualTo(frame);
        assertThat(Arrays.copyOfRange(out, frame.length, n)).containsOnly(0); // PADDING frames
    }

    @Test
    void sealerReproducesTheRfcPacketsExactly() {
        byte[] payload = InitialSealer.payload(1162, PeekVectors.load("rfc9001-a2-crypto-frame.hex"));
        byte[] none = new byte[0];
        assertThat(InitialSealer.seal(QuicVersion.V1, DCID, none, none, 2, 4, payload))
                .isEqualTo(PeekVectors.load("rfc9001-a2-client-initial.hex"));
        assertThat(InitialSealer.seal(QuicVersion.V2, DCID, none, none, 2, 4, payload))
                .isEqualTo(PeekVectors.load("rfc9369-a2-client-initial.hex"));
    }

    @Test
    void tamperedPacketFailsAuthentication() {
        byte[] packet = PeekVectors.load("rfc9001-a2-client-initial.hex");
        packet[500] ^= 1;
        InitialPacketOpener opener = new InitialPacketOpener();
        assertThat(opener.open(packet, 0, PN_OFFSET, packet.length, QuicVersion.V1, 6, 8, new byte[1200])).isEqualTo(-1);
        assertThat(opener.problem()).contains("authentication failed");
        // the right bytes under the wrong version's keys fail the same way
        byte[] v1 = PeekVectors.load("rfc9001-a2-client-initial.hex");
        assertThat(opener.open(v1, 0, PN_OFFSET, v1.length, QuicVersion.V2, 6, 8, new byte[1200])).isEqualTo(-1);
        // and a packet too short for the sample is refused before any decryption
        assertThat(opener.open(v1, 0, PN_OFFSET, PN_OFFSET + 19, QuicVersion.V1, 6, 8, new byte[1200])).isEqualTo(-1);
        assertThat(opener.problem()).contains("sample");
    }

    @Test
    void varints() {
        // RFC 9000 §A.1 examples
        assertThat(VarInt.read(PeekVectors.hex("c2197c5eff14e88c"), 0, 8)).isEqualTo(151_288_809_941_952_652L);
        assertThat(VarInt.read(PeekVectors.hex("9d7f3e7d"), 0, 4)).isEqualTo(494_878_333L);
        assertThat(VarInt.read(PeekVectors.hex("7bbd"), 0, 2)).isEqualTo(15_293L);
        assertThat(VarInt.read(PeekVectors.hex("25"), 0, 1)).isEqualTo(37L);
        assertThat(VarInt.read(PeekVectors.hex("4025"), 0, 2)).isEqualTo(37L);
        assertThat(VarInt.read(PeekVectors.hex("9d7f3e"), 0, 3)).isEqualTo(VarInt.TRUNCATED);
        assertThat(VarInt.read(new byte[0], 0, 0)).isEqualTo(VarInt.TRUNCATED);
        for (long v : new long[] {0, 63, 64, 16383, 16384, (1L << 30) - 1, 1L << 30, (1L << 62) - 1}) {
            byte[] b = InitialSealer.varint(v);
            assertThat(VarInt.read(b, 0, b.length)).isEqualTo(v);
            assertThat(VarInt.length(b[0])).isEqualTo(b.length);
        }
    }
}
