package dev.netext.wire.peek;

import static dev.netext.wire.quic.InitialSealer.crypto;
import static dev.netext.wire.quic.InitialSealer.datagram;
import static dev.netext.wire.quic.InitialSealer.payload;
import static dev.netext.wire.quic.InitialSealer.seal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.wire.quic.CryptoReassembler;
import dev.netext.wire.quic.QuicVersion;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QuicInitialPeekerTest {
    private static final byte[] DCID = PeekVectors.hex("8394c8f03e515708");
    private static final byte[] SCID = PeekVectors.hex("c0ffee");
    private static final byte[] NONE = new byte[0];
    /** A real ClientHello (curl, TLS 1.3) as the CRYPTO stream: SNI www.example.test, ALPN h2 and http/1.1. */
    private static final byte[] HELLO = ClientHelloBuilder.unrecord(PeekVectors.load("curl-tls13-clienthello.hex"));

    private final QuicInitialPeeker peeker = new QuicInitialPeeker();

    private PeekStatus peek(byte[] d) {
        return peeker.peek(ByteBuffer.wrap(d), 0, d.length);
    }

    @Test
    void rfc9001ClientInitial() {
        byte[] packet = PeekVectors.load("rfc9001-a2-client-initial.hex");
        byte[] copy = packet.clone();
        assertThat(peek(packet)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.version()).isEqualTo(QuicVersion.V1);
        assertThat(peeker.initialPackets()).isEqualTo(1);
        assertThat(peeker.clientHello().serverName()).isEqualTo("example.com");
        assertThat(peeker.clientHello().alpn(0)).isEqualTo("alpn");
        assertThat(peeker.clientHello().highestVersion()).isEqualTo(TlsSpec.TLS_1_3);
        assertThat(packet).as("the caller's datagram is not modified").isEqualTo(copy);
    }

    @Test
    void rfc9369ClientInitial() {
        assertThat(peek(PeekVectors.load("rfc9369-a2-client-initial.hex"))).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.version()).isEqualTo(QuicVersion.V2);
        assertThat(peeker.clientHello().serverName()).isEqualTo("example.com");
    }

    @Test
    void datagramInsideALargerBuffer() {
        byte[] packet = PeekVectors.load("rfc9001-a2-client-initial.hex");
        byte[] big = new byte[packet.length + 64];
        System.arraycopy(packet, 0, big, 40, packet.length);
        assertThat(peeker.peek(ByteBuffer.wrap(big), 40, packet.length)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.clientHello().serverName()).isEqualTo("example.com");
    }

    @Test
    void cryptoFramesOutOfOrderWithPingAndAck() {
        byte[] frames = payload(1100,
                crypto(HELLO, 300, HELLO.length),
                new byte[] {0x01},                         // PING
                new byte[] {0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, // ACK with one extra range
                crypto(HELLO, 0, 120),
                new byte[] {0x03, 0x05, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03}, // ACK_ECN
                crypto(HELLO, 100, 300));                   // overlaps the first piece
        byte[] d = datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 2, frames));
        assertThat(peek(d)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.clientHello().serverName()).isEqualTo("www.example.test");
        assertThat(peeker.clientHello().alpn(1)).isEqualTo("http/1.1");
    }

    @Test
    void clientHelloAcrossTwoDatagrams() {
        CryptoReassembler flow = new CryptoReassembler();
        byte[] first = datagram(1200, seal(QuicVersion.V1, DCID, SCID, PeekVectors.hex("aabb"), 0, 1,
                payload(1000, crypto(HELLO, 0, 200))));
        byte[] second = datagram(1250, seal(QuicVersion.V1, DCID, SCID, PeekVectors.hex("aabb"), 1, 1,
                payload(1100, crypto(HELLO, 200, HELLO.length))));
        assertThat(peeker.peek(ByteBuffer.wrap(first), 0, first.length, flow)).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.needed()).isEqualTo(HELLO.length - 200);
        assertThat(peeker.peek(ByteBuffer.wrap(second), 0, second.length, flow)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.clientHello().serverName()).isEqualTo("www.example.test");
        // the same datagrams in the other order
        CryptoReassembler other = new CryptoReassembler();
        assertThat(peeker.peek(ByteBuffer.wrap(second), 0, second.length, other)).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.needed()).isEqualTo(4); // nothing from offset 0 yet: at least the handshake header
        assertThat(peeker.peek(ByteBuffer.wrap(first), 0, first.length, other)).isEqualTo(PeekStatus.COMPLETE);
    }

    @Test
    void twoInitialsCoalescedThenA0RttPacket() {
        byte[] a = seal(QuicVersion.V2, DCID, SCID, NONE, 0, 4, payload(300, crypto(HELLO, 0, 250)));
        byte[] b = seal(QuicVersion.V2, DCID, SCID, NONE, 1, 4, payload(400, crypto(HELLO, 250, HELLO.length)));
        byte[] zeroRtt = Arrays.copyOf(PeekVectors.hex("e06b3343cf088394c8f03e51570803c0ffee4040"), 20 + 64);
        zeroRtt[0] = (byte) (0xC0 | 2 << 4); // v2 0-RTT type 0b10, Length 64 of junk (not opened)
        byte[] d = datagram(1200, a, b, zeroRtt);
        assertThat(peek(d)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.initialPackets()).isEqualTo(2);
        assertThat(peeker.clientHello().serverName()).isEqualTo("www.example.test");
    }

    @Test
    void coalescedInitialWithAnotherConnectionIdIsIgnored() {
        byte[] a = seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4, payload(300, crypto(HELLO, 0, 250)));
        byte[] b = seal(QuicVersion.V1, PeekVectors.hex("0102030405060708"), SCID, NONE, 1, 4,
                payload(400, crypto(HELLO, 250, HELLO.length)));
        assertThat(peek(datagram(1200, a, b))).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.initialPackets()).isEqualTo(1);
    }

    @Test
    void aNewConnectionIdOnTheFlowStartsOver() {
        CryptoReassembler flow = new CryptoReassembler();
        byte[] first = datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 1, payload(1000, crypto(HELLO, 0, 200))));
        byte[] other = datagram(1200, seal(QuicVersion.V1, PeekVectors.hex("1111111111111111"), SCID, NONE, 1, 1,
                payload(1000, crypto(HELLO, 200, HELLO.length))));
        assertThat(peeker.peek(ByteBuffer.wrap(first), 0, first.length, flow)).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.peek(ByteBuffer.wrap(other), 0, other.length, flow)).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(flow.contiguous()).isZero();
    }

    @Test
    void notQuicInitial() {
        byte[] a2 = PeekVectors.load("rfc9001-a2-client-initial.hex");
        assertThat(peek(Arrays.copyOf(a2, 1199))).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL); // under 1200 bytes
        byte[] shortHeader = a2.clone();
        shortHeader[0] = 0x40;
        assertThat(peek(shortHeader)).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        byte[] draft29 = a2.clone();
        draft29[1] = (byte) 0xff;
        draft29[4] = 0x1d;
        assertThat(peek(draft29)).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        byte[] negotiation = a2.clone();
        Arrays.fill(negotiation, 1, 5, (byte) 0);
        assertThat(peek(negotiation)).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        byte[] handshake = a2.clone();
        handshake[0] = (byte) 0xE0; // v1 Handshake packet first
        assertThat(peek(handshake)).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek(new byte[0])).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek(PeekVectors.load("curl-tls13-clienthello.hex"))).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
    }

    @Test
    void malformedInitials() {
        byte[] tampered = PeekVectors.load("rfc9001-a2-client-initial.hex");
        tampered[700] ^= 0x10;
        assertMalformed(tampered, "authentication failed");
        byte[] longLength = PeekVectors.load("rfc9001-a2-client-initial.hex");
        longLength[16] = 0x4f; // Length 0x0f9e: beyond the datagram
        assertMalformed(longLength, "Length beyond");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, PeekVectors.hex("01020304"), SCID, NONE, 0, 4,
                payload(600, crypto(HELLO, 0, HELLO.length)))), "shorter than 8");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(600, crypto(HELLO, 0, 100), new byte[] {0x08, 0x00, 0x01, 0x41}))), "not allowed");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(600, crypto(new byte[20_100], 20_000, 20_100)))), "reassembly limit");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(600, crypto(PeekVectors.hex("0200002a0303"), 0, 6)))), "does not start with a ClientHello");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(600, crypto(PeekVectors.hex("01ffffff"), 0, 4)))), "larger than the reassembly limit");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(600, new byte[] {0x06, 0x00, 0x44, 0x00, 0x01}))), "longer than its packet");
        assertMalformed(datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(0, crypto(HELLO, 0, 100), new byte[] {0x02, 0x00, 0x00, 0x3f, 0x00}))), "truncated ACK");
        byte[] cut = Arrays.copyOf(seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4, payload(1200, crypto(HELLO, 0, 400))), 1210);
        assertMalformed(cut, "Length beyond");
    }

    private void assertMalformed(byte[] d, String why) {
        assertThat(peek(d)).as(why).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.problem()).contains(why);
        peeker.clear();
    }

    @Test
    void connectionCloseFrameIsSkipped() {
        byte[] close = {0x1c, 0x0a, 0x00, 0x03, 'b', 'y', 'e'};
        byte[] d = datagram(1200, seal(QuicVersion.V1, DCID, SCID, NONE, 0, 4,
                payload(1100, close, crypto(HELLO, 0, HELLO.length))));
        assertThat(peek(d)).isEqualTo(PeekStatus.COMPLETE);
    }

    @Test
    void reassemblerMergesAndBounds() {
        CryptoReassembler r = new CryptoReassembler(100);
        byte[] data = new byte[100];
        for (int i = 0; i < 100; i++) data[i] = (byte) i;
        assertThat(r.insert(50, data, 50, 10)).isTrue();
        assertThat(r.insert(70, data, 70, 10)).isTrue();
        assertThat(r.ranges()).isEqualTo(2);
        assertThat(r.contiguous()).isZero();
        assertThat(r.insert(55, data, 55, 20)).isTrue(); // bridges both
        assertThat(r.ranges()).isEqualTo(1);
        assertThat(r.insert(0, data, 0, 50)).isTrue(); // touches: merges
        assertThat(r.contiguous()).isEqualTo(80);
        assertThat(r.insert(90, data, 90, 11)).isFalse(); // past the limit
        assertThat(r.insert(-1, data, 0, 1)).isFalse();
        for (int i = 0; i < 80; i++) assertThat(r.buffer().get(i)).isEqualTo((byte) i);
        CryptoReassembler scattered = new CryptoReassembler(1000);
        for (int i = 0; i < CryptoReassembler.MAX_RANGES; i++) assertThat(scattered.insert(2L * i + 1, data, 0, 1)).isTrue();
        assertThat(scattered.insert(999, data, 0, 1)).isFalse();
        assertThat(scattered.insert(0, data, 0, 1)).isTrue(); // merging into an existing piece is still fine
    }
}
