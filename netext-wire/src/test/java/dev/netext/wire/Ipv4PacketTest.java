package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {

    private static final int A = 0x0A000001;   // 10.0.0.1
    private static final int B = 0x0A000002;   // 10.0.0.2

    @Test
    void deconstructsEchoRequest() throws Exception {
        Ipv4Packet p = Ipv4Packet.of(Vectors.buffer("v4_icmp_echo_request"), 0, 84);
        assertThat(p.version()).isEqualTo(4);
        assertThat(p.headerLength()).isEqualTo(20);
        assertThat(p.totalLength()).isEqualTo(84);
        assertThat(p.identification()).isEqualTo(0x4242);
        assertThat(p.dontFragment()).isTrue();
        assertThat(p.moreFragments()).isFalse();
        assertThat(p.fragmentOffset()).isZero();
        assertThat(p.isFragment()).isFalse();
        assertThat(p.ttl()).isEqualTo(17);
        assertThat(p.protocol()).isEqualTo(IpProtocol.ICMP);
        assertThat(p.sourceAddress()).isEqualTo(A);
        assertThat(p.destinationAddress()).isEqualTo(B);
        assertThat(p.verifyChecksum()).isTrue();
        assertThat(p.payloadOffset()).isEqualTo(20);
        assertThat(p.payloadLength()).isEqualTo(64);
        assertThat(p.upperLayerLength()).isEqualTo(64);
    }

    @Test
    void reprRoundTripsToTheSameBytes() throws Exception {
        byte[] original = Vectors.bytes("v4_udp_request");
        Ipv4Repr repr = Ipv4Repr.parse(new Ipv4Packet().wrap(ByteBuffer.wrap(original), 0, original.length));
        assertThat(repr).isEqualTo(new Ipv4Repr(A, B, IpProtocol.UDP, 21, 3, 0, 0, 7, false));
        assertThat(repr.bufferLen()).isEqualTo(20);

        byte[] out = new byte[original.length];
        System.arraycopy(original, 20, out, 20, original.length - 20);
        repr.emit(new Ipv4Packet().wrap(ByteBuffer.wrap(out), 0, out.length));
        assertThat(out).isEqualTo(original);
        assertThat(repr.toString()).contains("10.0.0.1 > 10.0.0.2");
    }

    @Test
    void constructsFromScratchAtAnOffset() throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(100);
        Ipv4Repr repr = Ipv4Repr.of(B, A, IpProtocol.TCP, 10);
        Ipv4Packet p = new Ipv4Packet().wrap(buf, 7, repr.totalLength());
        repr.emit(p);
        p.check();
        assertThat(p.verifyChecksum()).isTrue();
        assertThat(Ipv4Repr.parse(p)).isEqualTo(repr);
    }

    @Test
    void settersWriteOnlyTheirBits() throws Exception {
        Ipv4Packet p = Ipv4Packet.of(Vectors.buffer("v4_icmp_echo_request"), 0, 84);
        p.setDscp(46);
        p.setEcn(3);
        assertThat(p.dscp()).isEqualTo(46);
        assertThat(p.ecn()).isEqualTo(3);
        p.setEcn(1);
        assertThat(p.dscp()).isEqualTo(46);
        p.setMoreFragments(true);
        p.setFragmentOffset(1480);
        assertThat(p.dontFragment()).isTrue();
        assertThat(p.moreFragments()).isTrue();
        assertThat(p.fragmentOffset()).isEqualTo(1480);
        assertThat(p.isFragment()).isTrue();
        p.setDontFragment(false);
        assertThat(p.fragmentOffset()).isEqualTo(1480);
        p.setIdentification(0xBEEF);
        p.setTtl(1);
        p.setSourceAddress(0xC0A80001);
        p.setDestinationAddress(0x08080808);
        assertThat(p.verifyChecksum()).isFalse();
        p.fillChecksum();
        assertThat(p.verifyChecksum()).isTrue();
        assertThat(p.identification()).isEqualTo(0xBEEF);
        assertThat(Ipv4Repr.format(p.sourceAddress())).isEqualTo("192.168.0.1");
        assertThat(Ipv4Repr.format(p.destinationAddress())).isEqualTo("8.8.8.8");
    }

    @Test
    void acceptsTrailingPaddingAndLittleEndianBuffers() throws Exception {
        byte[] v = Vectors.bytes("v4_udp_request");
        ByteBuffer padded = ByteBuffer.allocate(v.length + 30).order(ByteOrder.LITTLE_ENDIAN);
        padded.position(5);
        padded.put(v);
        Ipv4Packet p = Ipv4Packet.of(padded, 5, v.length + 20);
        assertThat(p.totalLength()).isEqualTo(v.length);
        assertThat(p.sourceAddress()).isEqualTo(A);
        assertThat(p.verifyChecksum()).isTrue();
    }

    @Test
    void rejectsMalformedHeaders() {
        byte[] v = Vectors.bytes("v4_udp_request");
        assertRejects(v, 0, 19, "shorter than 20");
        byte[] wrongVersion = v.clone();
        wrongVersion[0] = 0x65;
        assertRejects(wrongVersion, 0, v.length, "version");
        byte[] smallIhl = v.clone();
        smallIhl[0] = 0x44;
        assertRejects(smallIhl, 0, v.length, "IHL");
        byte[] bigIhl = v.clone();
        bigIhl[0] = 0x4F;           // 60 octets > total length 41
        assertRejects(bigIhl, 0, v.length, "total length shorter");
        assertRejects(v, 0, v.length - 1, "beyond buffer");
        assertRejects(v, 5, v.length, "window");
        assertRejects(v, -1, 20, "window");
        assertThat(new Ipv4Packet().tryWrap(null, 0, 0)).isFalse();
        assertThat(new Ipv4Packet().tryWrap(ByteBuffer.wrap(v), Integer.MAX_VALUE, Integer.MAX_VALUE)).isFalse();
    }

    private static void assertRejects(byte[] bytes, int off, int len, String reason) {
        assertThat(new Ipv4Packet().tryWrap(ByteBuffer.wrap(bytes), off, len)).isFalse();
        assertThatThrownBy(() -> Ipv4Packet.of(ByteBuffer.wrap(bytes), off, len))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining(reason);
    }

    @Test
    void fragmentsAreNotReprs() throws Exception {
        Ipv4Packet p = Ipv4Packet.of(Vectors.buffer("v4_udp_request"), 0, 41);
        p.setMoreFragments(true);
        assertThatThrownBy(() -> Ipv4Repr.parse(p)).isInstanceOf(MalformedPacketException.class);
    }
}
