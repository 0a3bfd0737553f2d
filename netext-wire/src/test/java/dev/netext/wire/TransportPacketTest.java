package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** UDP, TCP and ICMP views against Scapy-built packets (see vectors/README.md). */
class TransportPacketTest {

    @Test
    void udpOverIpv4() throws Exception {
        ByteBuffer buf = Vectors.buffer("v4_udp_request");
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, buf.capacity());
        UdpPacket udp = UdpPacket.of(buf, ip.payloadOffset(), ip.payloadLength());
        assertThat(udp.sourcePort()).isEqualTo(40000);
        assertThat(udp.destinationPort()).isEqualTo(7);
        assertThat(udp.datagramLength()).isEqualTo(21);
        assertThat(udp.payloadOffset()).isEqualTo(28);
        assertThat(udp.payloadLength()).isEqualTo(13);
        assertThat(udp.checksum()).isEqualTo(0x8f48);
        assertThat(udp.verifyChecksum(ip)).isTrue();

        int scapy = udp.checksum();
        udp.fillChecksum(ip);
        assertThat(udp.checksum()).isEqualTo(scapy);

        assertThat(UdpRepr.parse(udp)).isEqualTo(new UdpRepr(40000, 7, 13));
        buf.put(30, (byte) 0);
        assertThat(udp.verifyChecksum(ip)).isFalse();
    }

    @Test
    void udpComputedZeroIsSentAsAllOnes() throws Exception {
        ByteBuffer buf = Vectors.buffer("v4_udp_checksum_ffff");
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, buf.capacity());
        UdpPacket udp = new UdpPacket();
        assertThat(udp.tryWrap(ip)).isTrue();
        assertThat(udp.checksum()).isEqualTo(0xFFFF);
        assertThat(udp.verifyChecksum(ip)).isTrue();
        udp.fillChecksum(ip);
        assertThat(udp.checksum()).isEqualTo(0xFFFF);
    }

    @Test
    void udpZeroChecksumMeansNoneOverIpv4AndInvalidOverIpv6() throws Exception {
        ByteBuffer b4 = Vectors.buffer("v4_udp_request");
        Ipv4Packet ip4 = Ipv4Packet.of(b4, 0, b4.capacity());
        UdpPacket udp = new UdpPacket();
        udp.tryWrap(ip4);
        udp.setChecksum(0);
        assertThat(udp.verifyChecksum(ip4)).isTrue();

        ByteBuffer b6 = Vectors.buffer("v6_udp_request");
        Ipv6Packet ip6 = Ipv6Packet.of(b6, 0, b6.capacity());
        assertThat(udp.tryWrap(ip6)).isTrue();
        assertThat(udp.verifyChecksum(ip6)).isTrue();
        udp.setChecksum(0);
        assertThat(udp.verifyChecksum(ip6)).isFalse();
        udp.fillChecksum(ip6);
        assertThat(udp.verifyChecksum(ip6)).isTrue();
    }

    @Test
    void udpReprEmitsScapyBytes() throws Exception {
        byte[] original = Vectors.bytes("v6_udp_request");
        ByteBuffer buf = ByteBuffer.wrap(original.clone());
        Ipv6Packet ip = Ipv6Packet.of(buf, 0, original.length);
        UdpPacket udp = new UdpPacket().wrap(buf, 40, 15);
        for (int i = 40; i < 48; i++) {
            buf.put(i, (byte) 0);
        }
        new UdpRepr(5353, 9999, 7).emit(udp, ip);
        assertThat(buf.array()).isEqualTo(original);
        new UdpRepr(5353, 9999, 7).emit(udp);
        assertThat(udp.checksum()).isZero();
    }

    @Test
    void udpRejectsBadLengths() {
        byte[] v = Vectors.bytes("v4_udp_request");
        ByteBuffer buf = ByteBuffer.wrap(v);
        assertThat(new UdpPacket().tryWrap(buf, 20, 7)).isFalse();
        buf.putShort(24, (short) 7);
        assertThatThrownBy(() -> UdpPacket.of(buf, 20, 21)).hasMessageContaining("below 8");
        buf.putShort(24, (short) 22);
        assertThatThrownBy(() -> UdpPacket.of(buf, 20, 21)).hasMessageContaining("beyond");
    }

    @Test
    void tcpSynWithOptions() throws Exception {
        ByteBuffer buf = Vectors.buffer("v4_tcp_syn");
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, buf.capacity());
        TcpPacket tcp = new TcpPacket();
        assertThat(tcp.tryWrap(ip)).isTrue();
        assertThat(tcp.sourcePort()).isEqualTo(51000);
        assertThat(tcp.destinationPort()).isEqualTo(443);
        assertThat(tcp.sequenceNumber()).isEqualTo(0x01020304);
        assertThat(tcp.acknowledgmentNumber()).isZero();
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.optionsLength()).isEqualTo(20);
        assertThat(buf.get(tcp.optionsOffset())).isEqualTo((byte) 2);   // MSS kind
        assertThat(tcp.flags()).isEqualTo(TcpPacket.Field.FLAG_SYN);
        assertThat(tcp.hasFlags(TcpPacket.Field.FLAG_SYN | TcpPacket.Field.FLAG_ACK)).isFalse();
        assertThat(tcp.window()).isEqualTo(64240);
        assertThat(tcp.urgentPointer()).isZero();
        assertThat(tcp.payloadLength()).isZero();
        assertThat(tcp.verifyChecksum(ip)).isTrue();

        // Rewriting a port and the sequence number: incremental update agrees with a full recomputation.
        int ck = tcp.checksum();
        ck = Checksum.update16(ck, tcp.destinationPort(), 8443);
        tcp.setDestinationPort(8443);
        ck = Checksum.update32(ck, tcp.sequenceNumber(), 0xCAFEBABE);
        tcp.setSequenceNumber(0xCAFEBABE);
        tcp.setChecksum(ck);
        assertThat(tcp.verifyChecksum(ip)).isTrue();

        tcp.setFlags(TcpPacket.Field.FLAG_SYN | TcpPacket.Field.FLAG_ACK | TcpPacket.Field.FLAG_AE);
        tcp.setAcknowledgmentNumber(5);
        tcp.setWindow(100);
        tcp.setUrgentPointer(1);
        tcp.setSourcePort(1);
        tcp.fillChecksum(ip);
        assertThat(tcp.verifyChecksum(ip)).isTrue();
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.hasFlags(TcpPacket.Field.FLAG_SYN | TcpPacket.Field.FLAG_ACK)).isTrue();
        tcp.setHeaderLength(20);
        assertThat(tcp.flags() & TcpPacket.Field.FLAG_AE).isNotZero();
        assertThat(tcp.payloadLength()).isEqualTo(20);
    }

    @Test
    void tcpRejectsBadDataOffset() {
        ByteBuffer buf = Vectors.buffer("v4_tcp_syn");
        buf.put(32, (byte) 0x40);
        assertThatThrownBy(() -> TcpPacket.of(buf, 20, 40)).hasMessageContaining("below 5");
        buf.put(32, (byte) 0xF0);
        assertThatThrownBy(() -> TcpPacket.of(buf, 20, 40)).hasMessageContaining("beyond");
        assertThat(new TcpPacket().tryWrap(buf, 20, 19)).isFalse();
    }

    @Test
    void icmpV4EchoRoundTrip() throws Exception {
        byte[] original = Vectors.bytes("v4_icmp_echo_request");
        ByteBuffer buf = ByteBuffer.wrap(original.clone());
        IcmpV4Packet icmp = IcmpV4Packet.of(buf, 20, 64);
        assertThat(icmp.type()).isEqualTo(IcmpV4Packet.TYPE_ECHO_REQUEST);
        assertThat(icmp.code()).isZero();
        assertThat(icmp.verifyChecksum()).isTrue();
        assertThat(icmp.restOfHeader()).isEqualTo(0x12340001);
        assertThat(icmp.payloadOffset()).isEqualTo(28);
        IcmpEchoRepr repr = IcmpEchoRepr.parse(icmp);
        assertThat(repr).isEqualTo(new IcmpEchoRepr(IcmpEchoRepr.Kind.REQUEST, 0x1234, 1, 56));
        assertThat(repr.bufferLen()).isEqualTo(8);
        for (int i = 20; i < 28; i++) {
            buf.put(i, (byte) 0x55);
        }
        repr.emit(icmp);
        assertThat(buf.array()).isEqualTo(original);

        icmp.setCode(1);
        assertThatThrownBy(() -> IcmpEchoRepr.parse(icmp)).hasMessageContaining("code");
        icmp.setType(IcmpV4Packet.TYPE_TIME_EXCEEDED);
        assertThatThrownBy(() -> IcmpEchoRepr.parse(icmp)).hasMessageContaining("not an echo");
        assertThat(new IcmpV4Packet().tryWrap(buf, 20, 7)).isFalse();
    }

    @Test
    void icmpV6EchoRoundTripIncludesPseudoHeader() throws Exception {
        byte[] original = Vectors.bytes("v6_icmp_echo_request");
        ByteBuffer buf = ByteBuffer.wrap(original.clone());
        Ipv6Packet ip = Ipv6Packet.of(buf, 0, original.length);
        IcmpV6Packet icmp = new IcmpV6Packet();
        assertThat(icmp.tryWrap(ip)).isTrue();
        assertThat(icmp.isError()).isFalse();
        assertThat(icmp.verifyChecksum(ip)).isTrue();
        IcmpEchoRepr repr = IcmpEchoRepr.parse(icmp);
        assertThat(repr).isEqualTo(new IcmpEchoRepr(IcmpEchoRepr.Kind.REQUEST, 0x1234, 2, 56));
        buf.putShort(42, (short) 0);
        repr.emit(icmp, ip);
        assertThat(buf.array()).isEqualTo(original);

        // The type change to Echo Reply, done incrementally, gives Scapy's reply checksum.
        icmp.setTypeAndCodeIncremental(IcmpV6Packet.TYPE_ECHO_REPLY, 0);
        assertThat(icmp.checksum()).isEqualTo(ByteBuffer.wrap(Vectors.bytes("v6_icmp_echo_reply")).getShort(42) & 0xFFFF);
        assertThat(IcmpEchoRepr.parse(icmp).kind()).isEqualTo(IcmpEchoRepr.Kind.REPLY);
        icmp.setType(IcmpV6Packet.TYPE_PACKET_TOO_BIG);
        assertThat(icmp.isError()).isTrue();
        assertThatThrownBy(() -> IcmpEchoRepr.parse(icmp)).isInstanceOf(MalformedPacketException.class);
    }
}
