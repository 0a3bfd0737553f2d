package dev.netext.wire.edit;

import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.MalformedPacketException;
import dev.netext.wire.TcpPacket;
import dev.netext.wire.UdpPacket;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Expected checksums were computed independently (RFC 1071 sum in a few lines of Python) for these exact packets. */
class PacketEditorTest {

    /** IPv4 10.0.0.1 → 10.0.0.2, id 1, DF, TTL 64, UDP 40000 → 9999, payload given, checksums deliberately wrong. */
    static ByteBuffer udp4(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(28 + p.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + p.length)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0xBEEF).put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        b.putShort((short) 40000).putShort((short) 9999).putShort((short) (8 + p.length)).putShort((short) 0x1234).put(p);
        return b.flip();
    }

    static ByteBuffer tcp6(String payload) throws Exception {
        byte[] p = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(60 + p.length);
        b.putInt(0x6000_0000).putShort((short) (20 + p.length)).put((byte) 6).put((byte) 64)
                .put(InetAddress.getByName("fd00::1").getAddress()).put(InetAddress.getByName("fd00::2").getAddress());
        b.putShort((short) 40000).putShort((short) 80).putInt(1).putInt(2).putShort((short) ((5 << 12) | 0x18))
                .putShort((short) 65535).putShort((short) 0x7777).putShort((short) 0).put(p);
        return b.flip();
    }

    @Test
    void udpPayloadRewriteFixesBothChecksums() throws Exception {
        ByteBuffer b = udp4("hello");
        PacketEditor e = new PacketEditor().edit(b);
        assertThat(e.isUdp()).isTrue();
        assertThat(e.replaceInPayload("hello".getBytes(), "HELLO".getBytes())).isEqualTo(1);
        e.finish();
        assertThat(b.getShort(10) & 0xFFFF).isEqualTo(0x26c9);
        assertThat(b.getShort(26) & 0xFFFF).isEqualTo(0x44f0);
        Ipv4Packet ip = Ipv4Packet.of(b, 0, b.limit());
        assertThat(ip.verifyChecksum()).isTrue();
        assertThat(UdpPacket.of(b, 20, 13).verifyChecksum(ip)).isTrue();
        assertThat(new String(b.array(), 28, 5, StandardCharsets.US_ASCII)).isEqualTo("HELLO");
    }

    @Test
    void tcpOverIpv6PayloadRewrite() throws Exception {
        ByteBuffer b = tcp6("Host: hello\r\n");
        PacketEditor e = new PacketEditor().edit(b);
        assertThat(e.isTcp()).isTrue();
        e.writePayload(6, "HELLO".getBytes());
        e.finish();
        assertThat(b.getShort(56) & 0xFFFF).isEqualTo(0x3585);
        Ipv6Packet ip = Ipv6Packet.of(b, 0, b.limit());
        assertThat(TcpPacket.of(b, 40, b.limit() - 40).verifyChecksum(ip)).isTrue();
    }

    @Test
    void addressesPortsTtlAndDscp() throws Exception {
        ByteBuffer b = udp4("x");
        new PacketEditor().edit(b)
                .setSourceAddress(InetAddress.getByName("192.0.2.7")).setDestinationAddress(InetAddress.getByName("192.0.2.8"))
                .setSourcePort(1).setDestinationPort(2).setHopLimit(3).setDscp(46).finish();
        Ipv4Packet ip = Ipv4Packet.of(b, 0, b.limit());
        assertThat(ip.ttl()).isEqualTo(3);
        assertThat(ip.dscp()).isEqualTo(46);
        assertThat(ip.sourceAddress()).isEqualTo(0xC0000207);
        assertThat(ip.verifyChecksum()).isTrue();
        UdpPacket u = UdpPacket.of(b, 20, b.limit() - 20);
        assertThat(u.sourcePort()).isEqualTo(1);
        assertThat(u.destinationPort()).isEqualTo(2);
        assertThat(u.verifyChecksum(ip)).isTrue();
    }

    @Test
    void refusesWrongFamilyLengthChangesAndReadOnlyBuffers() throws Exception {
        PacketEditor e = new PacketEditor().edit(udp4("hello"));
        assertThatThrownBy(() -> e.setDestinationAddress(InetAddress.getByName("fd00::1"))).hasMessageContaining("IPv4");
        assertThatThrownBy(() -> e.replaceInPayload("hello".getBytes(), "hi".getBytes())).hasMessageContaining("flow layer");
        assertThatThrownBy(() -> e.writePayload(3, "long".getBytes())).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new PacketEditor().edit(udp4("a").asReadOnlyBuffer())).hasMessageContaining("read-only");
        assertThatThrownBy(() -> new PacketEditor().edit(ByteBuffer.wrap(new byte[] {0x20, 0}))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void ipv4UdpWithoutChecksumKeepsNone() throws Exception {
        ByteBuffer b = udp4("hello");
        b.putShort(26, (short) 0);
        new PacketEditor().edit(b).finish();
        assertThat(b.getShort(26)).isZero();
    }

    /** Random bytes and mutated packets: edit either refuses with MalformedPacketException or works; nothing else. */
    @Test
    void fuzzedInputNeverBreaksTheEditor() throws Exception {
        Random rnd = new Random(0xED17);
        PacketEditor e = new PacketEditor();
        byte[][] corpus = {udp4("hello").array(), tcp6("GET / HTTP/1.1\r\n").array()};
        for (int i = 0; i < 20_000; i++) {
            byte[] b = corpus[rnd.nextInt(corpus.length)].clone();
            if (rnd.nextInt(4) == 0) { b = new byte[rnd.nextInt(80)]; rnd.nextBytes(b); }
            else for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            try {
                e.edit(ByteBuffer.wrap(b));
            } catch (MalformedPacketException ex) {
                continue;
            }
            if (e.isTcp() || e.isUdp()) e.replaceInPayload("hello".getBytes(), "HELLO".getBytes());
            e.setHopLimit(9);
            e.finish();
        }
    }
}
