package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.wire.Checksum;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The ICMP errors' fields and checksums, checked against the RFCs' layouts. */
class PortUnreachableTest {

    @Test
    void ipv4PortUnreachableQuotesTheClientsDatagram() {
        byte[] payload = new byte[100];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        byte[] p = PortUnreachable.packet(new InetSocketAddress("10.0.0.1", 40000), new InetSocketAddress("10.0.0.2", 443),
                ByteBuffer.wrap(payload));
        ByteBuffer b = ByteBuffer.wrap(p);
        assertThat(p).hasSize(20 + 8 + 20 + 8 + 64);
        assertThat(b.get(9)).isEqualTo((byte) 1);                        // ICMP
        assertThat(b.getInt(12)).isEqualTo(0x0a000002);                   // from the original destination
        assertThat(b.getInt(16)).isEqualTo(0x0a000001);                   // to the client
        assertThat(Checksum.verifies(Checksum.sum(p, 0, 20))).isTrue();
        assertThat(b.get(20)).isEqualTo((byte) 3);
        assertThat(b.get(21)).isEqualTo((byte) 3);
        assertThat(Checksum.verifies(Checksum.sum(p, 20, p.length - 20))).isTrue();
        assertThat(b.getInt(28 + 12)).isEqualTo(0x0a000001);              // quoted: client → original, UDP
        assertThat(b.get(28 + 9)).isEqualTo((byte) 17);
        assertThat(b.getShort(28 + 2)).isEqualTo((short) (20 + 8 + 100)); // as sent: the whole datagram's length
        assertThat(Short.toUnsignedInt(b.getShort(48))).isEqualTo(40000);
        assertThat(Short.toUnsignedInt(b.getShort(50))).isEqualTo(443);
        assertThat(b.get(56)).isEqualTo((byte) 0);
        assertThat(b.get(56 + 63)).isEqualTo((byte) 63);
    }

    @Test
    void ipv6PortUnreachableChecksumCoversThePseudoHeader() throws Exception {
        byte[] p = PortUnreachable.packet(new InetSocketAddress("fd79::1", 5353), new InetSocketAddress("fd79::2", 7),
                ByteBuffer.wrap("hi".getBytes()));
        ByteBuffer b = ByteBuffer.wrap(p);
        int icmpLength = 8 + 40 + 8 + 2;
        assertThat(p).hasSize(40 + icmpLength);
        assertThat(b.getShort(4)).isEqualTo((short) icmpLength);
        assertThat(b.get(6)).isEqualTo((byte) 58);
        assertThat(b.get(40)).isEqualTo((byte) 1);
        assertThat(b.get(41)).isEqualTo((byte) 4);
        int sum = Checksum.sum(p, 40, icmpLength);
        sum = Checksum.add(sum, Checksum.sum(p, 8, 32)); // source and destination
        sum = Checksum.add(sum, icmpLength);
        sum = Checksum.add(sum, 58);
        assertThat(Checksum.verifies(sum)).isTrue();
        assertThat(b.get(48 + 6)).isEqualTo((byte) 17);                  // quoted next header: UDP
        assertThat(Short.toUnsignedInt(b.getShort(88))).isEqualTo(5353);
    }
}
