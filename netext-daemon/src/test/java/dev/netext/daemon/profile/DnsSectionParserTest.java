package dev.netext.daemon.profile;

import dev.netext.api.dns.DnsDecision;
import dev.netext.daemon.dns.DnsLauncher;
import dev.netext.dns.upstream.ServerSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static dev.netext.daemon.profile.ProfileLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

class DnsSectionParserTest {
    static final String ISSUE_PROFILE = """
            dns:
              listen: [127.0.0.1:53, "[::1]:53"]
              intercept: false
              servers:
                corp:   10.0.0.53
                public: udp://192.0.2.1:53
                system: system
              rules:
                - { domains: [foo.mycompany.com], server: corp }
                - { domains: [ads.test], action: block }
              default: system
              cache: { entries: 100000 }
            """;

    @Test
    void theIssueProfileParses() throws Exception {
        Profile p = new ProfileLoader().parse(ISSUE_PROFILE, Path.of("split.yaml"));
        DnsSection d = p.dns().orElseThrow();
        assertThat(p.tunnel()).isEmpty();
        assertThat(d.listen()).extracting(Object::toString).containsExactly("127.0.0.1:53", "[::1]:53");
        assertThat(d.servers().get("corp")).containsExactly(ServerSpec.parse("10.0.0.53"));
        assertThat(d.servers().get("public")).containsExactly(ServerSpec.parse("udp://192.0.2.1:53"));
        assertThat(d.rules()).extracting(r -> r.label()).containsExactly("foo.mycompany.com→corp", "ads.test→block");
        assertThat(d.rules().get(1).decision()).isEqualTo(DnsDecision.nxdomain());
        assertThat(d.defaultGroup()).isEqualTo("system");
        assertThat(d.cacheEntries()).isEqualTo(100_000);
        assertThat(p.describe()).contains("dns: listen 127.0.0.1:53").contains("foo.mycompany.com→corp");
        var config = DnsLauncher.config(d);
        assertThat(config.groups().keySet()).containsExactly("corp", "public", "system");
        assertThat(config.cacheEntries()).isEqualTo(100_000);
    }

    @Test
    void failoverListsSinkholesAndImplicitSystem() throws Exception {
        Profile p = new ProfileLoader().parse("""
                dns:
                  servers: { corp: [10.0.0.53, "tcp://10.0.0.54"] }
                  rules:
                    - { domains: [a.test, b.test], action: sinkhole, addresses: [0.0.0.0, "::"] }
                    - { domains: [corp.example], server: corp }
                """, Path.of("p.yaml"));
        DnsSection d = p.dns().orElseThrow();
        assertThat(d.servers().get("corp")).hasSize(2);
        assertThat(d.rules()).hasSize(3);
        assertThat(d.listen()).extracting(Object::toString).containsExactly("127.0.0.1:53");
        assertThat(DnsLauncher.config(d).groups()).containsKey("system");
    }

    @Test
    void encryptedServersAndTheirCaFileParse(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path ca = java.nio.file.Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Profile p = new ProfileLoader().parse("""
                dns:
                  servers:
                    dot: tls://dns.example@192.0.2.9
                    doh: [https://dns.example@192.0.2.9/dns-query, "https://[2001:db8::9]:8443/q"]
                  default: dot
                  tls-ca: %s
                """.formatted(ca), Path.of("p.yaml"));
        DnsSection d = p.dns().orElseThrow();
        assertThat(d.servers().get("dot")).containsExactly(new ServerSpec.Tls("dns.example", dev.netext.api.flow.Endpoint.parse("192.0.2.9:853")));
        assertThat(d.servers().get("doh")).hasSize(2);
        assertThat(d.tlsCa()).isEqualTo(ca);
        assertThat(DnsLauncher.config(d).tlsCaFile()).isEqualTo(ca);
    }

    @Test
    void reportsEveryProblemWithItsLine() {
        List<String> e = errors("""
                dns:
                  listen: ["[::1]:99999"]
                  intercept: true
                  servers:
                    corp: quic://10.0.0.53
                    doh: https://dns.example/dns-query
                  rules:
                    - { domains: [foo..com], server: corp }
                    - { domains: [x.test], server: corpp }
                    - { domains: [y.test], action: drop }
                    - { domains: [z.test] }
                  default: nowhere
                  cache: { entries: -1 }
                  tls-ca: /nonexistent/ca.pem
                """);
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:2: dns.listen[0]:"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:3: dns.intercept:").contains("127.0.0.1"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:5: dns.servers.corp:").contains("unsupported scheme 'quic://'"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:6: dns.servers.doh:")
                .contains("https://dns.example@ADDRESS/dns-query"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:14: dns.tls-ca:").contains("no readable file"));
        assertThat(e).anySatisfy(s -> assertThat(s).contains("dns.rules[0].domains[0]").contains("not a domain name"));
        assertThat(e).anySatisfy(s -> assertThat(s).contains("dns.rules[1].server").contains("did you mean"));
        assertThat(e).anySatisfy(s -> assertThat(s).contains("dns.rules[2].action").contains("expected block, refused or sinkhole"));
        assertThat(e).anySatisfy(s -> assertThat(s).contains("dns.rules[3]").contains("exactly one of"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:12: dns.default:").contains("not a server group"));
        assertThat(e).anySatisfy(s -> assertThat(s).contains("dns.cache.entries").contains("out of range"));
    }

    @Test
    void theExampleProfileParses() throws Exception {
        Path example = Path.of("..", "examples", "dns-split.yaml");
        Profile p = new ProfileLoader().load(example);
        assertThat(p.dns().orElseThrow().servers().get("corp")).hasSize(2);
        DnsSection encrypted = new ProfileLoader().load(Path.of("..", "examples", "dns-encrypted.yaml")).dns().orElseThrow();
        assertThat(encrypted.intercept()).isTrue();
        assertThat(encrypted.servers().get("corp").getFirst()).isInstanceOf(ServerSpec.Tls.class);
        assertThat(encrypted.servers().get("public").getFirst()).isInstanceOf(ServerSpec.Https.class);
    }
}
