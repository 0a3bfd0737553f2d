package dev.netext.daemon.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import dev.netext.api.ProviderKind;
import dev.netext.api.flow.AppRule;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.flow.proxy.Socks5Credentials;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProxiesSectionTest {
    private static final Path FILE = Path.of("/etc/netext/proxies.yaml");
    /** The issue's profile contract, as written. */
    static final String CONTRACT = """
            proxies:
              - { name: corp, order: 1, type: socks5, server: "10.0.0.10:1080", include: [{ host: "*.corp.example" }, { cidr: 10.0.0.0/8 }], exclude: [{ port: 22 }] }
              - { name: web,  order: 2, type: http,   server: "10.0.0.11:3128", include: [{ port: 443 }], apps: [{ uid: 1000 }] }
            """;

    private static String errors(String yaml) {
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> new ProfileLoader().parse(yaml, FILE));
        assertThat(e).as("expected a ProfileException for:\n" + yaml).isNotNull();
        return e.getMessage();
    }

    @Test
    void theIssuesProxiesContractParses() throws Exception {
        Profile p = new ProfileLoader().parse(CONTRACT, FILE);
        assertThat(p.interceptsFlows()).isTrue();
        assertThat(p.filter()).isEmpty();
        List<FlowProxy.Upstream> proxies = p.proxies().orElseThrow().proxies();
        assertThat(proxies).hasSize(2);
        FlowProxy.Upstream corp = proxies.get(0), web = proxies.get(1);
        assertThat(corp.member().provider()).isEqualTo("corp");
        assertThat(corp.member().order()).isEqualTo(1);
        assertThat(corp.member().kind()).isEqualTo(ProviderKind.TRANSPARENT_PROXY);
        assertThat(corp.server()).isEqualTo(new ProxyServer.Socks5(Endpoint.parse("10.0.0.10:1080"), Optional.empty()));
        assertThat(corp.member().rules().included()).containsExactly(
                NetworkRule.toHost("*.corp.example", TransportProtocol.ANY),
                NetworkRule.toNetwork(IpPrefix.parse("10.0.0.0/8"), TransportProtocol.ANY));
        assertThat(corp.member().rules().excluded()).containsExactly(NetworkRule.any().withRemotePorts(PortRange.of(22)));
        assertThat(web.member().kind()).isEqualTo(ProviderKind.APP_PROXY);
        assertThat(web.server()).isEqualTo(new ProxyServer.HttpConnect(Endpoint.parse("10.0.0.11:3128")));
        assertThat(web.member().rules().apps()).containsExactly(AppRule.uid(1000));
        assertThat(p.describe()).contains("proxy corp: order 1, socks5 10.0.0.10:1080, 2 include, 1 exclude")
                .contains("proxy web: order 2, http 10.0.0.11:3128, 1 include, 0 exclude, 1 app rule(s)");
    }

    @Test
    void filterAndProxiesTogetherWithCredentialsAndEveryAppRuleKind() throws Exception {
        Profile p = new ProfileLoader().parse("""
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                proxies:
                  - name: dev
                    type: SOCKS5
                    server: "[fd00::10]:1080"
                    username: alice
                    password: "s3cret"
                    include: [{ protocol: tcp, port: 8000-8999 }]
                    apps: [{ executable: /usr/bin/curl }, { gid: 100, cgroup: /user.slice }]
                """, FILE);
        assertThat(p.filter()).isPresent();
        FlowProxy.Upstream dev = p.proxies().orElseThrow().proxies().getFirst();
        assertThat(dev.member().order()).isZero();
        assertThat(dev.server()).isEqualTo(new ProxyServer.Socks5(Endpoint.parse("[fd00::10]:1080"),
                Optional.of(new Socks5Credentials("alice", "s3cret"))));
        assertThat(dev.member().rules().included()).containsExactly(
                new NetworkRule(null, null, new PortRange(8000, 8999), null, TransportProtocol.TCP, null));
        assertThat(dev.member().rules().apps()).containsExactly(AppRule.executable(Path.of("/usr/bin/curl")),
                new AppRule(null, Optional.of("/user.slice"), null, java.util.OptionalLong.of(100), null));
        assertThat(p.describe()).doesNotContain("s3cret");
    }

    @Test
    void aProxyClassWithSettingsParses() throws Exception {
        Profile p = new ProfileLoader().parse("""
                proxies:
                  - { name: corp, order: 1, type: socks5, server: "10.0.0.10:1080" }
                  - { name: x, order: 3, type: com.example.MyProxy, settings: { upstream: "10.0.0.1:80", n: 2 }, include: [{ port: 443 }], apps: [{ uid: 1000 }] }
                """, FILE);
        ProxiesSection s = p.proxies().orElseThrow();
        assertThat(s.proxies()).hasSize(1);
        ProxiesSection.Custom x = s.custom().getFirst();
        assertThat(x.type()).isEqualTo("com.example.MyProxy");
        assertThat(x.settings()).containsEntry("upstream", "10.0.0.1:80").containsEntry("n", 2);
        assertThat(x.member().order()).isEqualTo(3);
        assertThat(x.member().kind()).isEqualTo(ProviderKind.APP_PROXY);
        assertThat(x.member().rules().included()).containsExactly(NetworkRule.any().withRemotePorts(PortRange.of(443)));
        assertThat(s.members()).extracting(m -> m.provider()).containsExactly("corp", "x");
        assertThat(p.describe()).contains("proxy x: order 3, class com.example.MyProxy, 1 include, 0 exclude, 1 app rule(s)");
        // a name used by a built-in and a class is refused like any duplicate
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\" }\n  - { name: a, type: com.example.P }\n"))
                .contains("proxies[1].name").contains("already the name of proxies[0]");
    }

    @Test
    void omittedIncludeOffersEveryFlow() throws Exception {
        var proxy = new ProfileLoader().parse("proxies: [{ name: all, type: http, server: \"192.0.2.1:3128\" }]\n", FILE)
                .proxies().orElseThrow().proxies().getFirst();
        assertThat(proxy.member().rules().included()).containsExactly(NetworkRule.any());
    }

    @Test
    void badProxiesNameFileLineKeyAndReason() {
        assertThat(errors("proxies:\n  - { name: a, type: socks4, server: \"1.2.3.4:1\" }\n"))
                .contains("proxies.yaml:2: proxies[0].type").contains("'socks4' is not socks5 or http");
        assertThat(errors("proxies:\n  - { name: a, type: com.example.MyProxy, server: \"1.2.3.4:1\" }\n"))
                .contains("proxies[0].server").contains("belongs to the built-in socks5/http proxies");
        assertThat(errors("proxies:\n  - { name: a, type: com.example.MyProxy, settings: [1, 2] }\n"))
                .contains("proxies[0].settings").contains("expected a mapping");
        assertThat(errors("proxies:\n  - { name: a, type: socks5, server: \"1.2.3.4:1\", settings: { x: 1 } }\n"))
                .contains("proxies[0].settings").contains("settings are for a custom proxy class");
        assertThat(errors("proxies:\n  - { name: a, type: com.example.My-Proxy }\n")).contains("proxies[0].type");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: proxy.corp:3128 }\n"))
                .contains("proxies[0].server").contains("is not ADDRESS:PORT");
        assertThat(errors("proxies:\n  - { type: http, server: \"1.2.3.4:1\" }\n")).contains("proxies[0].name");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\" }\n  - { name: a, type: http, server: \"1.2.3.4:2\" }\n"))
                .contains("proxies.yaml:3: proxies[1].name").contains("already the name of proxies[0]");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\", include: [{ hots: x.test }] }\n"))
                .contains("proxies[0].include[0].hots").contains("did you mean 'host'");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\", include: [{ host: \"a.*.test\" }] }\n"))
                .contains("proxies[0].include[0]").contains("leading label");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\", include: [] }\n"))
                .contains("proxies[0].include").contains("no flow would be offered");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\", exclude: [{ port: 70000 }] }\n"))
                .contains("proxies[0].exclude[0]");
        assertThat(errors("proxies:\n  - { name: a, type: http, server: \"1.2.3.4:1\", username: u, password: p }\n"))
                .contains("only socks5 proxies take a username");
        assertThat(errors("proxies:\n  - { name: a, type: socks5, server: \"1.2.3.4:1\", username: u }\n"))
                .contains("proxies[0].password");
        assertThat(errors("proxies:\n  - { name: a, type: socks5, server: \"1.2.3.4:1\", apps: [{ executable: curl }] }\n"))
                .contains("proxies[0].apps[0].executable").contains("not an absolute path");
        assertThat(errors("proxies:\n  - { name: a, type: socks5, server: \"1.2.3.4:1\", apps: [{}] }\n"))
                .contains("proxies[0].apps[0]").contains("give uid, gid, cgroup or executable");
        assertThat(errors("proxies:\n  - { name: a, type: socks5, server: \"1.2.3.4:1\", order: many }\n"))
                .contains("proxies[0].order");
        assertThat(errors("proxies: { name: a }\n")).contains("proxies").contains("expected a list");
    }

    /** Seeded mutations of the contract: a Profile or a ProfileException naming the file, never anything else. */
    @Test
    void mutatedProxySectionsGiveAProfileOrAProfileException() {
        Random random = new Random(0x9E0C5L);
        ProfileLoader loader = new ProfileLoader();
        int valid = 0, rejected = 0;
        for (int round = 0; round < 2000; round++) {
            String text = CONTRACT;
            for (int m = 1 + random.nextInt(3); m > 0; m--) text = ProfileLoaderFuzzTest.mutate(text, random);
            try {
                Profile p = loader.parse(text, FILE);
                assertThat(p.describe()).isNotEmpty();
                valid++;
            } catch (ProfileException e) {
                for (ProfileError err : e.errors()) {
                    assertThat(err.file()).isEqualTo(FILE);
                    assertThat(err.reason()).isNotBlank().doesNotContain("internal error");
                }
                rejected++;
            } catch (Throwable t) {
                fail("round " + round + ": " + t + " for input:\n" + text, t);
            }
        }
        assertThat(valid).isPositive();
        assertThat(rejected).isPositive();
    }
}
