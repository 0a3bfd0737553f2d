package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Ipv6PacketTest {

    private static final Ipv6Address A = new Ipv6Address(0xfd00_0000_0000_0000L, 1);
    private static final Ipv6Address B = new Ipv6Address(0xfd00_0000_0000_0000L, 2);

    @Test
    void deconstructsEchoRequest() throws Exception {
        byte[] v = Vectors.bytes("v6_icmp_echo_request");
        Ipv6Packet p = Ipv6Packet.of(ByteBuffer.wrap(v), 0, v.length);
        assertThat(p.version()).isEqualTo(6);
        assertThat(p.trafficClass()).isZero();
        assertThat(p.flowLabel()).isEqualTo(0x12345);
        assertThat(p.payloadLength()).isEqualTo(64);
        assertThat(p.nextHeader()).isEqualTo(IpProtocol.ICMPV6);
        assertThat(p.hopLimit()).isEqualTo(5);
        assertThat(p.sourceAddressHigh()).isEqualTo(A.high());
        assertThat(p.sourceAddressLow()).isEqualTo(1);
        assertThat(p.destinationAddressLow()).isEqualTo(2);
        assertThat(p.extensionHeaderCount()).isZero();
        assertThat(p.upperLayerProtocol()).isEqualTo(IpProtocol.ICMPV6);
        assertThat(p.upperLayerOffset()).isEqualTo(40);
        assertThat(p.upperLayerLength()).isEqualTo(64);
        assertThat(p.isFragment()).isFalse();
        assertThat(p.packetLength()).isEqualTo(v.length);
    }

    @Test
    void reprRoundTripsToTheSameBytes() throws Exception {
        byte[] original = Vectors.bytes("v6_udp_request");
        Ipv6Repr repr = Ipv6Repr.parse(new Ipv6Packet().wrap(ByteBuffer.wrap(original), 0, original.length));
        assertThat(repr).isEqualTo(new Ipv6Repr(A, B, IpProtocol.UDP, 15, 9, 0, 0));
        byte[] out = new byte[original.length];
        System.arraycopy(original, 40, out, 40, original.length - 40);
        repr.emit(new Ipv6Packet().wrap(ByteBuffer.wrap(out), 0, out.length));
        assertThat(out).isEqualTo(original);
        assertThat(repr.bufferLen()).isEqualTo(40);
    }

    @Test
    void trafficClassSettersKeepTheirNeighbours() throws Exception {
        Ipv6Packet p = Ipv6Packet.of(Vectors.buffer("v6_icmp_echo_request"), 0, 104);
        p.setDscp(46);
        p.setEcn(2);
        assertThat(p.trafficClass()).isEqualTo(46 << 2 | 2);
        assertThat(p.flowLabel()).isEqualTo(0x12345);
        assertThat(p.version()).isEqualTo(6);
        p.setFlowLabel(0xFFFFF);
        assertThat(p.dscp()).isEqualTo(46);
        assertThat(p.ecn()).isEqualTo(2);
        p.setTrafficClass(0);
        assertThat(p.flowLabel()).isEqualTo(0xFFFFF);
        p.setSourceAddress(1, 2);
        p.setDestinationAddress(3, 4);
        assertThat(p.sourceAddressLow()).isEqualTo(2);
        assertThat(p.destinationAddressHigh()).isEqualTo(3);
    }

    @Test
    void walksHopByHopAndDestinationOptions() throws Exception {
        byte[] v = Vectors.bytes("v6_hbh_dst_udp");
        Ipv6Packet p = Ipv6Packet.of(ByteBuffer.wrap(v), 0, v.length);
        assertThat(p.nextHeader()).isEqualTo(IpProtocol.HOPOPT);
        assertThat(p.extensionHeaderCount()).isEqualTo(2);
        assertThat(p.upperLayerProtocol()).isEqualTo(IpProtocol.UDP);
        assertThat(p.upperLayerOffset()).isEqualTo(40 + 8 + 16);
        assertThat(p.upperLayerLength()).isEqualTo(9);
        UdpPacket udp = new UdpPacket();
        assertThat(udp.tryWrap(p)).isTrue();
        assertThat(udp.verifyChecksum(p)).as("pseudo-header uses the upper-layer length").isTrue();
    }

    @Test
    void walksFragmentHeaders() throws Exception {
        byte[] first = Vectors.bytes("v6_frag_first_udp");
        Ipv6Packet p = Ipv6Packet.of(ByteBuffer.wrap(first), 0, first.length);
        assertThat(p.isFragment()).isTrue();
        assertThat(p.moreFragments()).isTrue();
        assertThat(p.fragmentOffset()).isZero();
        assertThat(p.upperLayerProtocol()).isEqualTo(IpProtocol.UDP);
        assertThat(p.upperLayerOffset()).isEqualTo(48);

        byte[] later = Vectors.bytes("v6_frag_later");
        Ipv6Packet q = Ipv6Packet.of(ByteBuffer.wrap(later), 0, later.length);
        assertThat(q.isFragment()).isTrue();
        assertThat(q.moreFragments()).isFalse();
        assertThat(q.fragmentOffset()).isEqualTo(24);
        assertThat(q.upperLayerOffset()).isEqualTo(48);
        assertThat(q.upperLayerLength()).isEqualTo(16);
    }

    @Test
    void walksRoutingHeaders() throws Exception {
        byte[] v = Vectors.bytes("v6_routing_icmp");
        Ipv6Packet p = Ipv6Packet.of(ByteBuffer.wrap(v), 0, v.length);
        assertThat(p.routingHeaderOffset()).isEqualTo(40);
        assertThat(p.routingSegmentsLeft()).isEqualTo(1);
        assertThat(p.upperLayerProtocol()).isEqualTo(IpProtocol.ICMPV6);
        assertThat(p.upperLayerOffset()).isEqualTo(40 + 24);
    }

    /** Builds a fixed header followed by {@code n} 8-octet Destination Options headers, each naming the next. */
    static byte[] chain(int n, int last) {
        byte[] b = new byte[40 + 8 * n];
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.putInt(0, 0x6000_0000);
        buf.putShort(4, (short) (8 * n));
        b[6] = (byte) (n == 0 ? last : IpProtocol.IPV6_OPTS);
        for (int i = 0; i < n; i++) {
            b[40 + 8 * i] = (byte) (i == n - 1 ? last : IpProtocol.IPV6_OPTS);
        }
        return b;
    }

    @Test
    void boundsTheChain() throws Exception {
        byte[] ok = chain(Ipv6Packet.MAX_EXTENSION_HEADERS, IpProtocol.IPV6_NONXT);
        Ipv6Packet p = Ipv6Packet.of(ByteBuffer.wrap(ok), 0, ok.length);
        assertThat(p.extensionHeaderCount()).isEqualTo(Ipv6Packet.MAX_EXTENSION_HEADERS);
        assertThat(p.upperLayerProtocol()).isEqualTo(IpProtocol.IPV6_NONXT);
        assertThat(p.upperLayerLength()).isZero();

        byte[] tooLong = chain(Ipv6Packet.MAX_EXTENSION_HEADERS + 1, IpProtocol.UDP);
        assertRejects(tooLong, "too many");

        // The last header claims another options header follows, but the payload ends: no infinite walk.
        byte[] dangling = chain(3, IpProtocol.IPV6_OPTS);
        assertRejects(dangling, "truncated");

        // Hdr Ext Len pointing past the payload.
        byte[] overlong = chain(2, IpProtocol.UDP);
        overlong[41] = (byte) 0xFF;
        assertRejects(overlong, "truncated");

        // Hop-by-Hop after another header (RFC 8200 §4.1).
        byte[] hbhLater = chain(2, IpProtocol.UDP);
        hbhLater[40] = IpProtocol.HOPOPT;
        assertRejects(hbhLater, "hop-by-hop");

        // Two fragment headers.
        byte[] twoFrags = chain(2, IpProtocol.UDP);
        twoFrags[6] = IpProtocol.IPV6_FRAG;
        twoFrags[40] = IpProtocol.IPV6_FRAG;
        assertRejects(twoFrags, "fragment");
    }

    @Test
    void rejectsMalformedHeaders() {
        byte[] v = Vectors.bytes("v6_udp_request");
        assertRejects(java.util.Arrays.copyOf(v, 39), "shorter");
        byte[] wrongVersion = v.clone();
        wrongVersion[0] = 0x40;
        assertRejects(wrongVersion, "version");
        assertRejects(java.util.Arrays.copyOf(v, v.length - 1), "payload length beyond");
    }

    private static void assertRejects(byte[] bytes, String reason) {
        assertThat(new Ipv6Packet().tryWrap(ByteBuffer.wrap(bytes), 0, bytes.length)).isFalse();
        assertThatThrownBy(() -> Ipv6Packet.of(ByteBuffer.wrap(bytes), 0, bytes.length))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining(reason);
    }

    @Test
    void addressTextFollowsRfc5952() {
        assertThat(A.toString()).isEqualTo("fd00::1");
        assertThat(Ipv6Address.UNSPECIFIED.toString()).isEqualTo("::");
        assertThat(new Ipv6Address(0x2001_0db8_0000_0000L, 0x0001_0000_0000_0001L).toString()).isEqualTo("2001:db8::1:0:0:1");
        assertThat(new Ipv6Address(0x2001_0db8_0000_0001L, 0x0001_0001_0001_0001L).toString()).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(Ipv6Address.of(A.toBytes())).isEqualTo(A);
        assertThat(new Ipv6Address(0xff02_0000_0000_0000L, 1).isMulticast()).isTrue();
    }
}
