package dev.netext.flow.engine;

import dev.netext.wire.IpPacket;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.TcpPacket;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast path's reset to a server: a well-formed RST from the client, its TCP checksum right for both IP versions. */
class TcpResetTest {
    @Test
    void aResetParsesAndItsChecksumVerifiesOverThePseudoHeader() throws Exception {
        check(new InetSocketAddress("10.0.0.2", 40000), new InetSocketAddress("10.0.0.9", 443));
        check(new InetSocketAddress("fd00::2", 40000), new InetSocketAddress("fd00::9", 443));
    }

    private static void check(InetSocketAddress client, InetSocketAddress server) throws Exception {
        byte[] packet = TcpReset.packet(client, server, 0x12345678);
        ByteBuffer b = ByteBuffer.wrap(packet);
        IpPacket ip = server.getAddress() instanceof Inet4Address ? Ipv4Packet.of(b, 0, packet.length)
                : Ipv6Packet.of(b, 0, packet.length);
        TcpPacket tcp = TcpPacket.of(b, ip.upperLayerOffset(), ip.upperLayerLength());
        assertThat(tcp.sourcePort()).isEqualTo(40000);
        assertThat(tcp.destinationPort()).isEqualTo(443);
        assertThat(tcp.sequenceNumber()).isEqualTo(0x12345678);
        assertThat(tcp.hasFlags(TcpPacket.Field.FLAG_RST)).isTrue();
        assertThat(tcp.verifyChecksum(ip)).as("checksum over the pseudo-header").isTrue();
    }
}
