package dev.netext.testkit.packet;

import dev.netext.api.net.IpFamily;
import dev.netext.wire.IcmpV4Packet;
import dev.netext.wire.IcmpV6Packet;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.PacketReflector;
import dev.netext.wire.TcpPacket;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketsTest {

    @Test
    void icmpEchoV4() {
        byte[] b = Packets.icmpEcho("10.7.0.1", "10.7.0.2", 0xBEEF, 3, new byte[]{1, 2, 3});
        assertThat(b).hasSize(20 + 8 + 3);
        assertThat(b[0]).isEqualTo((byte) 0x45);
        assertThat(b[9]).isEqualTo((byte) IpProtocol.ICMP);
        ParsedPacket p = Packets.parse(b);
        assertThat(p.family()).isEqualTo(IpFamily.V4);
        assertThat(p.src()).isEqualTo("10.7.0.1");
        assertThat(p.dst()).isEqualTo("10.7.0.2");
        assertThat(p.icmpType()).isEqualTo(IcmpV4Packet.TYPE_ECHO_REQUEST);
        assertThat(p.isEchoRequest()).isTrue();
        assertThat(p.isEchoReply()).isFalse();
        assertThat(p.echoId()).isEqualTo(0xBEEF);
        assertThat(p.echoSeq()).isEqualTo(3);
        assertThat(p.payload()).containsExactly(1, 2, 3);
        assertThat(p.hopLimit()).isEqualTo(64);
        assertThat(p.srcPort()).isEqualTo(-1);
        assertThat(p.checksumsValid()).isTrue();
        assertThat(Packets.describe(b)).isEqualTo("ICMP echo-request 10.7.0.1 → 10.7.0.2 id=48879 seq=3");
    }

    @Test
    void icmpEchoV6() {
        byte[] b = Packets.icmpEcho("fd84::1", "fd84:0:0::2", 1, 1);
        assertThat(b).hasSize(40 + 8 + Packets.DEFAULT_ECHO_DATA.length);
        assertThat(b[0] >>> 4).isEqualTo(6);
        assertThat(b[6]).isEqualTo((byte) IpProtocol.ICMPV6);
        ParsedPacket p = Packets.parse(b);
        assertThat(p.family()).isEqualTo(IpFamily.V6);
        assertThat(p.protocol()).isEqualTo(IpProtocol.ICMPV6);
        assertThat(p.icmpType()).isEqualTo(IcmpV6Packet.TYPE_ECHO_REQUEST);
        assertThat(p.dst()).as("RFC 5952 text").isEqualTo("fd84::2");
        assertThat(p.payload()).isEqualTo(Packets.DEFAULT_ECHO_DATA);
        assertThat(p.checksumsValid()).isTrue();
        assertThat(Packets.describe(b)).isEqualTo("ICMPv6 echo-request fd84::1 → fd84::2 id=1 seq=1");
    }

    @Test
    void echoRepliesOfTheReflectorVerify() {
        // An independent check of both sides: the reflector's incrementally-updated reply must verify here.
        for (String[] pair : new String[][]{{"10.0.0.1", "10.0.0.2"}, {"2001:db8::1", "2001:db8::2"}}) {
            byte[] b = Packets.icmpEcho(pair[0], pair[1], 7, 8, new byte[]{9, 9, 9, 9, 9});
            int len = new PacketReflector().reflect(ByteBuffer.wrap(b), 0, b.length);
            assertThat(len).isEqualTo(b.length);
            ParsedPacket r = Packets.parse(b);
            assertThat(r.isEchoReply()).isTrue();
            assertThat(r.src()).isEqualTo(pair[1]);
            assertThat(r.checksumsValid()).isTrue();
        }
    }

    @Test
    void icmpEchoReplyFactory() {
        ParsedPacket p = Packets.parse(Packets.icmpEchoReply("fd84::2", "fd84::1", 1, 2, new byte[0]));
        assertThat(p.isEchoReply()).isTrue();
        assertThat(p.checksumsValid()).isTrue();
        assertThat(Packets.parse(Packets.icmpEchoReply("10.0.0.2", "10.0.0.1", 1, 2, new byte[0])).isEchoReply()).isTrue();
    }

    @Test
    void udpBothFamilies() {
        byte[] v4 = Packets.udp("192.168.1.10", 5000, "192.168.1.1", 53, "abc".getBytes());
        ParsedPacket p = Packets.parse(v4);
        assertThat(p.isUdp()).isTrue();
        assertThat(p.srcPort()).isEqualTo(5000);
        assertThat(p.dstPort()).isEqualTo(53);
        assertThat(p.payload()).isEqualTo("abc".getBytes());
        assertThat(p.checksumsValid()).isTrue();
        assertThat(ByteBuffer.wrap(v4).getShort(20 + 6)).as("v4 UDP checksum is computed, not 0").isNotZero();
        assertThat(Packets.describe(v4)).isEqualTo("UDP 192.168.1.10:5000 → 192.168.1.1:53 len=3");

        byte[] v6 = Packets.udp("fd84::1", 65535, "fd84::2", 0, new byte[0]);
        assertThat(Packets.parse(v6).checksumsValid()).isTrue();
        assertThat(Packets.describe(v6)).isEqualTo("UDP [fd84::1]:65535 → [fd84::2]:0 len=0");
    }

    @Test
    void tcpSyn() {
        byte[] b = Packets.tcpSyn("10.0.0.1", 40000, "10.0.0.2", 443, 0x80000001);
        ParsedPacket p = Packets.parse(b);
        assertThat(p.isTcp()).isTrue();
        assertThat(p.tcpFlags()).isEqualTo(TcpPacket.Field.FLAG_SYN);
        assertThat(p.checksumsValid()).isTrue();
        assertThat(ByteBuffer.wrap(b).getInt(20 + 4)).isEqualTo(0x80000001);
        assertThat(Packets.describe(b)).isEqualTo("TCP 10.0.0.1:40000 → 10.0.0.2:443 [SYN] len=0");

        byte[] v6 = Packets.tcp("fd84::1", 1, "fd84::2", 2, 5, 6,
                TcpPacket.Field.FLAG_ACK | TcpPacket.Field.FLAG_PSH, "data".getBytes());
        assertThat(Packets.parse(v6).checksumsValid()).isTrue();
        assertThat(Packets.parse(v6).payload()).isEqualTo("data".getBytes());
        assertThat(Packets.describe(v6)).isEqualTo("TCP [fd84::1]:1 → [fd84::2]:2 [PSH,ACK] len=4");
    }

    @Test
    void rawIpForOtherProtocols() {
        byte[] b = Packets.ip("10.0.0.1", "10.0.0.2", 47, new byte[]{0, 0, 8, 0});
        ParsedPacket p = Packets.parse(b);
        assertThat(p.protocol()).isEqualTo(47);
        assertThat(p.payload()).containsExactly(0, 0, 8, 0);
        assertThat(p.checksumsValid()).isTrue();
        assertThat(Packets.describe(b)).isEqualTo("IPv4 proto=47 10.0.0.1 → 10.0.0.2 len=4");
        assertThat(Packets.describe(Packets.ip("fd84::1", "fd84::2", 59, new byte[0]))).isEqualTo("IPv6 proto=59 fd84::1 → fd84::2 len=0");
    }

    @Test
    void corruptionIsReportedNotHidden() {
        byte[] hdr = Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 1);
        hdr[Ipv4Packet.Field.TTL] = 1;
        assertThat(Packets.parse(hdr).ipChecksumValid()).isFalse();
        assertThat(Packets.describe(hdr)).endsWith("[bad IPv4 header checksum]");

        byte[] body = Packets.icmpEcho("fd84::1", "fd84::2", 1, 1);
        body[body.length - 1] ^= 1;
        ParsedPacket p = Packets.parse(body);
        assertThat(p.ipChecksumValid()).isTrue();
        assertThat(p.transportChecksumValid()).isFalse();
        assertThat(p.checksumsValid()).isFalse();
        assertThat(Packets.describe(body)).endsWith("[bad checksum]");

        byte[] udp6 = Packets.udp("fd84::1", 1, "fd84::2", 2, new byte[2]);
        udp6[46] = 0;
        udp6[47] = 0;
        assertThat(Packets.parse(udp6).checksumsValid()).as("zero UDP checksum is invalid over IPv6").isFalse();
        byte[] udp4 = Packets.udp("10.0.0.1", 1, "10.0.0.2", 2, new byte[2]);
        udp4[26] = 0;
        udp4[27] = 0;
        assertThat(Packets.parse(udp4).checksumsValid()).as("zero UDP checksum means none over IPv4").isTrue();
    }

    @Test
    void garbageIsDescribedAndRejected() {
        assertThat(Packets.describe(new byte[0])).isEqualTo("not an IP packet (0 bytes)");
        assertThat(Packets.describe(new byte[]{0x12, 0x34})).isEqualTo("not an IP packet (2 bytes)");
        assertThat(Packets.describe(new byte[]{0x45, 0})).startsWith("malformed packet: IPv4").endsWith("(2 bytes)");
        assertThat(Packets.describe((byte[]) null)).isEqualTo("null");
        assertThatThrownBy(() -> Packets.parse(new byte[]{0x60})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IPv6");

        byte[] truncatedUdp = Packets.udp("10.0.0.1", 1, "10.0.0.2", 2, new byte[0]);
        ByteBuffer.wrap(truncatedUdp).putShort(20 + 4, (short) 100); // UDP length beyond the packet
        assertThatThrownBy(() -> Packets.parse(truncatedUdp)).hasMessageContaining("UDP");
    }

    @Test
    void trailingPaddingIsIgnored() {
        byte[] b = Packets.udp("10.0.0.1", 1, "10.0.0.2", 2, new byte[]{7});
        byte[] padded = java.util.Arrays.copyOf(b, b.length + 10);
        assertThat(Packets.parse(padded)).isEqualTo(Packets.parse(b));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Packets.icmpEcho("10.0.0.1", "fd84::1", 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different families");
        assertThatThrownBy(() -> Packets.udp("10.0.0.1", 70000, "10.0.0.2", 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Packets.icmpEcho("10.0.0.1", "10.0.0.2", -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Packets.icmpEcho("example.org", "10.0.0.2", 1, 1))
                .as("no DNS lookup: names are rejected").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Packets.ip("10.0.0.1", "10.0.0.2", 256, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Packets.udp("10.0.0.1", 1, "10.0.0.2", 2, new byte[70_000])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsedPacketIsAValue() {
        ParsedPacket a = Packets.parse(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 1));
        ParsedPacket b = Packets.parse(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 1));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Packets.parse(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 2)));
        a.payload()[0] = 0;
        assertThat(a).as("payload() returns a copy").isEqualTo(b);
        assertThat(a.toString()).isEqualTo(Packets.describe(a));
        assertThat(a.srcAddress().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(a.dstAddress().getHostAddress()).isEqualTo("10.0.0.2");
    }
}
