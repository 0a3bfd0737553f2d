package dev.netext.flow.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.TransportProtocol;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InboundPacketTest {
    // IPv4 TCP SYN 10.201.0.2:51000 → 10.201.0.1:7000 (20-byte IP header, 20-byte TCP header, checksums not checked)
    private static final String SYN4 = "45000028000040004006000a0ac900020ac90001" + "c7381b5800000001000000005002faf000000000";
    // IPv6 UDP [fd21::2]:40000 → [fd21::1]:7008, 5 bytes of payload
    private static final String UDP6 = "60000000000d1140" + "fd210000000000000000000000000002" + "fd210000000000000000000000000001"
            + "9c401b60000d0000" + "68656c6c6f";

    private static ByteBuffer bytes(String hex) { return ByteBuffer.wrap(HexFormat.of().parseHex(hex)); }

    @Test
    void readsTheTupleOfATcpSynAndAnIpv6Datagram() {
        InboundPacket syn = InboundPacket.parse(bytes(SYN4));
        assertThat(syn.protocol()).isEqualTo(TransportProtocol.TCP);
        assertThat(syn.peer()).isEqualTo(new InetSocketAddress("10.201.0.2", 51000));
        assertThat(syn.service()).isEqualTo(new InetSocketAddress("10.201.0.1", 7000));
        InboundPacket udp = InboundPacket.parse(bytes(UDP6));
        assertThat(udp.protocol()).isEqualTo(TransportProtocol.UDP);
        assertThat(udp.peer()).isEqualTo(new InetSocketAddress("fd21::2", 40000));
        assertThat(udp.service()).isEqualTo(new InetSocketAddress("fd21::1", 7008));
        assertThat(syn).isEqualTo(InboundPacket.parse(bytes(SYN4))).as("a flow's key");
    }

    @Test
    void anythingButWholeTcpOrUdpHasNoTuple() {
        assertThat(InboundPacket.parse(bytes("45000028000020004006000a0ac900020ac90001" + "c7381b5800000001000000005002faf000000000")))
                .as("a first fragment (MF)").isNull();
        assertThat(InboundPacket.parse(bytes("450000200000400040010000" + "0ac900020ac90001" + "0800f7ff00000000")))
                .as("ICMP").isNull();
        assertThat(InboundPacket.parse(bytes(SYN4.substring(0, 60)))).as("cut short").isNull();
        assertThat(InboundPacket.parse(ByteBuffer.allocate(0))).isNull();
        assertThat(InboundPacket.parse(bytes("00"))).isNull();
    }
}
