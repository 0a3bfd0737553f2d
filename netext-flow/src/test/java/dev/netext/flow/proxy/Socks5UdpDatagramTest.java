package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.Endpoint;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 1928 §7 datagram headers: round trip against fixed bytes, drops of fragments and garbage, fuzz. */
class Socks5UdpDatagramTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void emitsAndParsesTheSection7Header() {
        var d = new Socks5UdpDatagram(Socks5Address.of(Endpoint.parse("10.79.3.2:7777")),
                ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
        assertThat(HEX.formatHex(d.toBytes())).isEqualTo("000000" + "01" + "0a4f0302" + "1e61" + "70696e67");
        var back = Socks5UdpDatagram.parse(ByteBuffer.wrap(d.toBytes()));
        assertThat(back.address()).isEqualTo(d.address());
        assertThat(StandardCharsets.US_ASCII.decode(back.payload()).toString()).isEqualTo("ping");
        var named = new Socks5UdpDatagram(Socks5Address.of("dns.test", 53), ByteBuffer.allocate(0));
        assertThat(HEX.formatHex(named.toBytes())).isEqualTo("00000003" + "08" + HEX.formatHex("dns.test".getBytes()) + "0035");
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(named.toBytes())).address()).isEqualTo(named.address());
    }

    @Test
    void fragmentsReservedBitsAndTruncationsAreDropped() {
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(HEX.parseHex("000001010a4f03021e61")))).as("FRAG 1").isNull();
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(HEX.parseHex("010000010a4f03021e61")))).as("RSV").isNull();
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(HEX.parseHex("000000010a4f03")))).as("short").isNull();
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(HEX.parseHex("0000000900")))).as("ATYP 9").isNull();
        assertThat(Socks5UdpDatagram.parse(ByteBuffer.wrap(HEX.parseHex("000000030000")))).as("empty name").isNull();
    }

    @Test
    void unspecifiedRelayAddressMeansTheServer() throws Exception {
        var server = new InetSocketAddress("10.79.1.2", 1080);
        assertThat(Socks5UdpAssociation.relayAddress(Socks5Address.of(Endpoint.parse("0.0.0.0:4000")), server))
                .isEqualTo(new InetSocketAddress("10.79.1.2", 4000));
        assertThat(Socks5UdpAssociation.relayAddress(Socks5Address.of(Endpoint.parse("10.79.1.9:4000")), server))
                .isEqualTo(new InetSocketAddress("10.79.1.9", 4000));
    }

    @Test
    void fuzzedRelayDatagramsParseOrDropNeverThrow() {
        Random r = new Random(0xDA7AL);
        byte[] seed = new Socks5UdpDatagram(Socks5Address.of("f.test", 53), ByteBuffer.wrap(new byte[12])).toBytes();
        int parsed = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] b;
            if (i % 3 == 0) {
                b = new byte[r.nextInt(64)];
                r.nextBytes(b);
                if (b.length > 3) { b[0] = 0; b[1] = 0; b[2] = 0; }
            } else {
                b = java.util.Arrays.copyOf(seed, 1 + r.nextInt(seed.length));
                for (int k = r.nextInt(3); k > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            if (Socks5UdpDatagram.parse(ByteBuffer.wrap(b)) != null) parsed++;
        }
        assertThat(parsed).isPositive(); // the fuzz reaches the success path too
    }
}
