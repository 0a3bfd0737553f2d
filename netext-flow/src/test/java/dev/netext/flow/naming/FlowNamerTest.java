package dev.netext.flow.naming;

import static dev.netext.wire.quic.InitialSealer.crypto;
import static dev.netext.wire.quic.InitialSealer.datagram;
import static dev.netext.wire.quic.InitialSealer.payload;
import static dev.netext.wire.quic.InitialSealer.seal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.HostnameInfo.Source;
import dev.netext.wire.peek.ClientHelloBuilder;
import dev.netext.wire.peek.PeekStatus;
import dev.netext.wire.peek.PeekVectors;
import dev.netext.wire.quic.CryptoReassembler;
import dev.netext.wire.quic.QuicVersion;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowNamerTest {
    private static final InetAddress SERVER = address("192.0.2.10");
    private static final InetAddress UNKNOWN = address("192.0.2.99");
    /** The DNS map: one address, two names (most recent first), as a CDN address would have. */
    private static final AddressNames DNS = a -> Map.of(SERVER, List.of("Cdn-Name.Example.", "older.example")).getOrDefault(a, List.of());

    private final FlowNamer namer = new FlowNamer(DNS);

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private FlowName tcp(InetAddress remote, byte[] b) {
        return namer.nameTcp(remote, ByteBuffer.wrap(b), 0, b.length);
    }

    private FlowName udp(InetAddress remote, byte[] b, CryptoReassembler state) {
        return namer.nameUdp(remote, ByteBuffer.wrap(b), 0, b.length, state);
    }

    @Test
    void tlsSniWinsOverTheDnsMap() {
        FlowName n = tcp(SERVER, PeekVectors.load("curl-tls13-clienthello.hex"));
        assertThat(n.hostname()).contains(new HostnameInfo("www.example.test", Source.TLS_SNI));
        assertThat(n.protocol()).isEqualTo(FlowName.Protocol.TLS);
        assertThat(n.content()).isEqualTo(PeekStatus.COMPLETE);
        assertThat(n.settled()).isTrue();
        assertThat(n.alpn()).containsExactly("h2", "http/1.1");
        assertThat(n.echOffered()).isFalse();
    }

    @Test
    void httpHost() {
        FlowName n = tcp(SERVER, PeekVectors.load("curl-http-get.hex"));
        assertThat(n.hostname()).contains(new HostnameInfo("plain.example.test", Source.HTTP_HOST));
        assertThat(n.protocol()).isEqualTo(FlowName.Protocol.HTTP);
        FlowName proxied = tcp(UNKNOWN, PeekVectors.load("curl-http-proxy-get.hex"));
        assertThat(proxied.hostname()).contains(new HostnameInfo("proxied.example.test", Source.HTTP_HOST));
    }

    @Test
    void quicSni() {
        FlowName n = udp(UNKNOWN, PeekVectors.load("rfc9001-a2-client-initial.hex"), new CryptoReassembler());
        assertThat(n.hostname()).contains(new HostnameInfo("example.com", Source.QUIC_SNI));
        assertThat(n.protocol()).isEqualTo(FlowName.Protocol.QUIC);
        assertThat(n.alpn()).containsExactly("alpn");
        FlowName v2 = udp(UNKNOWN, PeekVectors.load("rfc9369-a2-client-initial.hex"), new CryptoReassembler());
        assertThat(v2.hostname()).contains(new HostnameInfo("example.com", Source.QUIC_SNI));
    }

    @Test
    void quicAcrossTwoDatagramsGivesTheDnsNameProvisionally() {
        byte[] hello = ClientHelloBuilder.unrecord(PeekVectors.load("curl-tls13-clienthello.hex"));
        byte[] dcid = PeekVectors.hex("0011223344556677");
        byte[] first = datagram(1200, seal(QuicVersion.V1, dcid, new byte[0], new byte[0], 0, 2,
                payload(1000, crypto(hello, 0, 256))));
        byte[] second = datagram(1200, seal(QuicVersion.V1, dcid, new byte[0], new byte[0], 1, 2,
                payload(1000, crypto(hello, 256, hello.length))));
        CryptoReassembler flow = new CryptoReassembler();
        FlowName n = udp(SERVER, first, flow);
        assertThat(n.settled()).isFalse();
        assertThat(n.protocol()).isEqualTo(FlowName.Protocol.QUIC);
        assertThat(n.needed()).isEqualTo(hello.length - 256);
        assertThat(n.hostname()).contains(new HostnameInfo("cdn-name.example", Source.DNS_MAP));
        n = udp(SERVER, second, flow);
        assertThat(n.settled()).isTrue();
        assertThat(n.hostname()).contains(new HostnameInfo("www.example.test", Source.QUIC_SNI));
    }

    @Test
    void dnsMapForUnrecognisedBytesAndNothingWithoutIt() {
        byte[] ssh = "SSH-2.0-OpenSSH_9.2p1\r\n".getBytes(StandardCharsets.US_ASCII);
        FlowName n = tcp(SERVER, ssh);
        assertThat(n.hostname()).contains(new HostnameInfo("cdn-name.example", Source.DNS_MAP));
        assertThat(n.protocol()).isEqualTo(FlowName.Protocol.UNKNOWN);
        assertThat(n.content()).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(tcp(UNKNOWN, ssh).hostname()).isEmpty();
        assertThat(udp(SERVER, new byte[] {1, 2, 3}, new CryptoReassembler()).hostname().map(HostnameInfo::source))
                .contains(Source.DNS_MAP);
        assertThat(namer.nameFromDns(SERVER).hostname().map(HostnameInfo::hostname)).contains("cdn-name.example");
        assertThat(new FlowNamer(null).nameFromDns(SERVER).hostname()).isEmpty();
    }

    @Test
    void echPrefersTheDnsNameOverThePublicName() {
        byte[] ech = new ClientHelloBuilder().sni("public.ech.example").ech(0).supportedVersions(0x0304).record();
        FlowName withDns = tcp(SERVER, ech);
        assertThat(withDns.echOffered()).isTrue();
        assertThat(withDns.hostname()).contains(new HostnameInfo("cdn-name.example", Source.DNS_MAP));
        FlowName withoutDns = tcp(UNKNOWN, ech);
        assertThat(withoutDns.hostname()).contains(new HostnameInfo("public.ech.example", Source.TLS_SNI));
    }

    @Test
    void incompleteAndMalformedContentFallsBackToDns() {
        byte[] hello = PeekVectors.load("curl-tls13-clienthello.hex");
        FlowName partial = namer.nameTcp(SERVER, ByteBuffer.wrap(hello), 0, 100);
        assertThat(partial.settled()).isFalse();
        assertThat(partial.protocol()).isEqualTo(FlowName.Protocol.TLS);
        assertThat(partial.needed()).isEqualTo(hello.length - 100);
        assertThat(partial.hostname().map(HostnameInfo::source)).contains(Source.DNS_MAP);
        FlowName empty = namer.nameTcp(SERVER, ByteBuffer.wrap(hello), 0, 0);
        assertThat(empty.settled()).isFalse();
        assertThat(empty.protocol()).isEqualTo(FlowName.Protocol.UNKNOWN);
        FlowName bad = tcp(SERVER, new ClientHelloBuilder().sni("a..b").record());
        assertThat(bad.content()).isEqualTo(PeekStatus.MALFORMED);
        assertThat(bad.problem()).contains("empty label");
        assertThat(bad.hostname().map(HostnameInfo::source)).contains(Source.DNS_MAP);
        FlowName badHttp = tcp(UNKNOWN, "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(badHttp.protocol()).isEqualTo(FlowName.Protocol.HTTP);
        assertThat(badHttp.content()).isEqualTo(PeekStatus.MALFORMED);
        assertThat(badHttp.hostname()).isEmpty();
    }

    @Test
    void ipLiteralsAreNotNames() {
        FlowName sni = tcp(SERVER, new ClientHelloBuilder().sni("192.0.2.10").record());
        assertThat(sni.hostname().map(HostnameInfo::source)).contains(Source.DNS_MAP);
        FlowName host = tcp(UNKNOWN, "GET / HTTP/1.1\r\nHost: 192.0.2.99:8080\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(host.hostname()).isEmpty();
        assertThat(FlowNamer.isIpv4Literal("10.0.0.1")).isTrue();
        assertThat(FlowNamer.isIpv4Literal("10.0.0.example")).isFalse();
        assertThat(FlowNamer.isIpv4Literal("1234")).isFalse();
    }

    @Test
    void invalidDnsMapNamesAreSkipped() {
        FlowNamer n = new FlowNamer(a -> List.of("bad..name", "good.example"));
        assertThat(n.nameFromDns(SERVER).hostname()).contains(new HostnameInfo("good.example", Source.DNS_MAP));
    }

    @Test
    void garbageNeverThrows() {
        java.util.Random rnd = new java.util.Random(0xF10);
        byte[] data = new byte[1300];
        for (int i = 0; i < 20_000; i++) {
            rnd.nextBytes(data);
            int len = rnd.nextInt(data.length + 1);
            if (rnd.nextBoolean()) data[0] = (byte) new int[] {0x16, 'G', 0xC0, 0xD0}[rnd.nextInt(4)];
            FlowName t = namer.nameTcp(SERVER, ByteBuffer.wrap(data), 0, len);
            FlowName u = namer.nameUdp(SERVER, ByteBuffer.wrap(data), 0, len, new CryptoReassembler());
            for (FlowName n : List.of(t, u)) {
                assertThat(n.content()).isNotNull();
                if (!n.settled()) assertThat(n.needed()).isPositive();
                assertThat(n.hostname()).isPresent(); // the DNS name at least
            }
        }
    }
}
