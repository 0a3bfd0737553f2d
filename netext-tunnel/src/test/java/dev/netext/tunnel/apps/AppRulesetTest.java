package dev.netext.tunnel.apps;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.Cgroup2;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppRulesetTest {
    private static final int APP = 0x4e410003, BYPASS = 0x4e580003;

    private static AppRuleset.Config config(List<InetAddress> dns) throws Exception {
        AppRule.Resolver cgroups = path -> new Cgroup2.NftCgroup("unified" + path, Cgroup2.components(path).size());
        List<String> matches = List.of(new AppRule.Uid(1001).nftMatch(cgroups),
                new AppRule.Cgroup("/user.slice/app.slice/x.scope").nftMatch(cgroups));
        return new AppRuleset.Config("netext-apps-3", "wg0", APP, BYPASS, matches, dns);
    }

    @Test
    void marksTheAppsAfterLettingTheTransportThroughAndSendsTheirDnsToTheTunnelsServer() throws Exception {
        String text = AppRuleset.render(config(List.of(InetAddress.getByName("10.9.0.1"))));
        assertThat(text).contains("flush table inet netext-apps-3")
                .containsSubsequence("meta mark 0x4e580003 return",
                        "meta skuid 1001 meta mark set 0x4e410003",
                        "socket cgroupv2 level 3 \"unified/user.slice/app.slice/x.scope\" meta mark set 0x4e410003",
                        "meta mark 0x4e410003 meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 drop")
                .contains("meta mark 0x4e410003 meta nfproto ipv4 meta l4proto { tcp, udp } th dport 53 dnat ip to 10.9.0.1")
                .contains("meta mark 0x4e410003 oifname \"wg0\" tcp flags syn tcp option maxseg size set rt mtu")
                .contains("meta mark 0x4e410003 oifname \"wg0\" masquerade")
                .containsSubsequence("iifname \"wg0\" ip daddr 127.0.0.0/8 ct status dnat accept",
                        "iifname \"wg0\" ip daddr 127.0.0.0/8 drop")
                .doesNotContain("dnat ip6");
    }

    @Test
    void withoutDnsServersTheAppsKeepTheirResolver() throws Exception {
        String text = AppRuleset.render(config(List.of()));
        assertThat(text).doesNotContain("dnat").doesNotContain("th dport 53").doesNotContain("127.0.0.0/8")
                .contains("masquerade");
    }

    @Test
    void anIpv6ServerTakesTheIpv6Queries() throws Exception {
        String text = AppRuleset.render(config(List.of(InetAddress.getByName("fd00::53"))));
        assertThat(text).contains("meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 dnat ip6 to fd00:0:0:0:0:0:0:53")
                .contains("meta nfproto ipv4 meta l4proto { tcp, udp } th dport 53 drop");
    }

    @Test
    void refusesWhatNftCouldNotBeGiven() {
        assertThatThrownBy(() -> new AppRule.Cgroup("user.slice")).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> new AppRule.Cgroup("/a/../b")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> new AppRule.Cgroup("/a\"; drop")).hasMessageContaining("contains '\"'");
        assertThatThrownBy(() -> new AppRuleset.Config("t", "bad name", APP, BYPASS, List.of("meta skuid 1"), List.of()))
                .hasMessageContaining("interface name");
    }

    /** nft itself accepts the text (check mode, in a namespace of its own: nothing is loaded). */
    @Test
    void nftAcceptsIt() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "namespaces need root");
        String text = AppRuleset.render(new AppRuleset.Config("netext-apps-3", "wg0", APP, BYPASS,
                List.of("meta skuid 1001"), List.of(InetAddress.getByName("10.9.0.1"), InetAddress.getByName("fd00::53"))));
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("apps");
            Process p = ns.exec("nft", "-c", "-f", "-");
            try (OutputStream in = p.getOutputStream()) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out + "\n" + text).isZero();
        }
    }
}
