package dev.netext.dns.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerSpecTest {
    @Test
    void parsesEveryForm() {
        assertThat(ServerSpec.parse("10.0.0.53")).isEqualTo(new ServerSpec.Plain(dev.netext.api.flow.Endpoint.parse("10.0.0.53:53")));
        assertThat(ServerSpec.parse("10.0.0.53:5353").text()).isEqualTo("10.0.0.53:5353");
        assertThat(ServerSpec.parse("fd00::53").text()).isEqualTo("fd00::53");
        assertThat(ServerSpec.parse("[fd00::53]:5300").text()).isEqualTo("[fd00::53]:5300");
        assertThat(ServerSpec.parse("udp://192.0.2.1:53")).isInstanceOf(ServerSpec.Udp.class);
        assertThat(ServerSpec.parse("tcp://192.0.2.1").text()).isEqualTo("tcp://192.0.2.1:53");
        var tls = (ServerSpec.Tls) ServerSpec.parse("tls://dns.example@192.0.2.9:853");
        assertThat(tls.serverName()).isEqualTo("dns.example");
        assertThat(tls.address().port()).isEqualTo(853);
        assertThat(ServerSpec.parse("tls://dns.example@192.0.2.9").text()).isEqualTo("tls://dns.example@192.0.2.9:853");
        assertThat(ServerSpec.parse("https://dns.example/dns-query")).isInstanceOf(ServerSpec.Https.class);
        assertThat(ServerSpec.parse("system")).isInstanceOf(ServerSpec.SystemResolvers.class);
        for (String s : new String[] {"10.0.0.53", "udp://192.0.2.1:53", "tcp://[::1]:53", "tls://a.b@1.2.3.4:853", "https://x/dns-query", "system"})
            assertThat(ServerSpec.parse(ServerSpec.parse(s).text())).isEqualTo(ServerSpec.parse(s));
    }

    @Test
    void explainsWhatIsWrong() {
        assertThatThrownBy(() -> ServerSpec.parse("quic://1.2.3.4")).hasMessageContaining("unsupported scheme 'quic://'").hasMessageContaining("tls://");
        assertThatThrownBy(() -> ServerSpec.parse("dns.example")).hasMessageContaining("by address");
        assertThatThrownBy(() -> ServerSpec.parse("tls://192.0.2.9")).hasMessageContaining("tls://NAME@ADDRESS");
        assertThatThrownBy(() -> ServerSpec.parse("10.0.0.300")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> ServerSpec.parse("10.0.0.1:99999")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerSpec.parse("https:///dns-query")).hasMessageContaining("needs a host");
        assertThatThrownBy(() -> ServerSpec.parse(" ")).hasMessageContaining("empty");
    }

    @Test
    void dohNeedsTheServersAddressAndEncryptedUpstreamsDescribeThemselves() throws Exception {
        var f = new UpstreamFactory(null, java.nio.file.Path.of("/nonexistent"), java.util.Set.of(), System::nanoTime);
        assertThat(UpstreamFactory.unsupportedReason(ServerSpec.parse("https://dns.example/dns-query")))
                .contains("https://dns.example@ADDRESS/dns-query");
        assertThatThrownBy(() -> f.create(ServerSpec.parse("https://dns.example/dns-query"))).hasMessageContaining("give the server's address");
        assertThat(UpstreamFactory.unsupportedReason(ServerSpec.parse("https://dns.example@192.0.2.9/dns-query"))).isNull();
        assertThat(UpstreamFactory.unsupportedReason(ServerSpec.parse("https://192.0.2.9:8443/q"))).isNull();
        assertThat(UpstreamFactory.unsupportedReason(ServerSpec.parse("tls://dns.example@192.0.2.9"))).isNull();
        var doh = new DohUpstream(java.net.URI.create("https://dns.example@192.0.2.9:8443/dns-query"), null, 10, TlsTrust.of(null));
        assertThat(doh.address().toString()).isEqualTo("192.0.2.9:8443");
        var dot = TcpUpstream.tls("dns.example", dev.netext.api.flow.Endpoint.parse("192.0.2.9:853"), null, 10, TlsTrust.of(null));
        assertThat(dot.describe()).isEqualTo("tls://dns.example@192.0.2.9:853");
        assertThatThrownBy(() -> TlsTrust.of(java.nio.file.Path.of("/nonexistent/ca.pem"))).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void systemResolversSkipNetextItself() throws Exception {
        var conf = java.nio.file.Files.createTempFile("resolv", ".conf");
        try {
            java.nio.file.Files.writeString(conf, "# test\nnameserver 127.0.0.1\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nsearch x\nnameserver bogus\n");
            var f = new UpstreamFactory(null, conf, java.util.Set.of(dev.netext.api.flow.Endpoint.parse("127.0.0.1:53")), System::nanoTime);
            assertThat(f.systemResolvers()).extracting(Object::toString).containsExactly("10.0.0.2:53", "[fe80::1]:53");
        } finally {
            java.nio.file.Files.delete(conf);
        }
    }
}
