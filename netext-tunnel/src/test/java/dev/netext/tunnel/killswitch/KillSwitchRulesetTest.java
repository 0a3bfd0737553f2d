package dev.netext.tunnel.killswitch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.net.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class KillSwitchRulesetTest {
    private static final KillSwitchRuleset.Config LOCAL = new KillSwitchRuleset.Config(null, 0, true,
            List.of(IpPrefix.parse("192.168.7.20/24"), IpPrefix.parse("192.168.7.0/25"), IpPrefix.parse("fd00:7::5/64"),
                    IpPrefix.parse("fe80::1/64")));

    private static List<String> chain(String ruleset, String name) {
        List<String> lines = ruleset.lines().map(String::strip).toList();
        int start = lines.indexOf("chain " + name + " {") + 1;
        return lines.subList(start, start + lines.subList(start, lines.size()).indexOf("}"));
    }

    @Test
    void withoutATunnelOnlyTheExceptionsPass() {
        String s = KillSwitchRuleset.render(new KillSwitchRuleset.Config(null, 0, false, List.of()));
        assertThat(chain(s, "output")).containsExactly(
                "type filter hook output priority filter; policy drop;",
                "oifname \"lo\" accept",
                "ct state established ct direction reply accept",
                "udp sport 68 udp dport 67 accept",
                "udp sport 546 udp dport 547 accept",
                "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept");
        assertThat(chain(s, "forward")).containsExactly(
                "type filter hook forward priority filter; policy drop;", "ct state established ct direction reply accept");
    }

    @Test
    void aRunningTunnelAndItsTransportPass() {
        String s = KillSwitchRuleset.render(new KillSwitchRuleset.Config(null, 0, false, List.of()).withTunnel("wg0", 0x4e580005));
        assertThat(chain(s, "output")).contains("oifname \"wg0\" accept", "meta mark 0x4e580005 accept");
        assertThat(chain(s, "forward")).contains("oifname \"wg0\" accept", "iifname \"wg0\" accept");
        assertThat(KillSwitchRuleset.render(new KillSwitchRuleset.Config("wg0", 7, false, List.of()).withoutTunnel()))
                .doesNotContain("wg0").doesNotContain("meta mark");
    }

    /** The script replaces the table in one transaction: never a moment without it. */
    @Test
    void theTableIsReplacedAtomically() {
        String s = KillSwitchRuleset.render(LOCAL);
        assertThat(s).startsWith("table inet netext-killswitch {}\nflush table inet netext-killswitch\ntable inet netext-killswitch {\n");
    }

    @Test
    void localNetworksAreTheConnectedSubnetsLinkLocalAndMdns() {
        List<String> out = chain(KillSwitchRuleset.render(LOCAL), "output");
        assertThat(out).contains(
                "ip daddr { 192.168.7.0/24, 255.255.255.255 } accept", // the /25 lies inside the /24: nft refuses overlaps
                "ip6 daddr { fe80::/10, fd00:7::/64 } accept",
                "ip daddr 224.0.0.251 udp dport 5353 accept",
                "ip6 daddr ff02::fb udp dport 5353 accept");
        assertThat(KillSwitchRuleset.render(LOCAL.withLocal(List.of()))).contains("ip daddr { 255.255.255.255 } accept")
                .contains("ip6 daddr { fe80::/10 } accept");
        assertThat(KillSwitchRuleset.render(new KillSwitchRuleset.Config(null, 0, false, LOCAL.local())))
                .doesNotContain("192.168.7.0").doesNotContain("fe80");
    }

    @Test
    void badInterfaceNamesAreRefused() {
        assertThatThrownBy(() -> new KillSwitchRuleset.Config("wg0\" accept; #", 0, false, List.of()))
                .hasMessageContaining("bad tunnel interface name");
        assertThatThrownBy(() -> new KillSwitchRuleset.Config("a-name-longer-than-15", 0, false, List.of()))
                .hasMessageContaining("bad tunnel interface name");
    }

    /** nft itself accepts every form ({@code -c}: check only, nothing is applied). */
    @Test
    void nftAcceptsTheRulesets() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "nft -c needs CAP_NET_ADMIN");
        for (KillSwitchRuleset.Config c : List.of(
                new KillSwitchRuleset.Config(null, 0, false, List.of()),
                new KillSwitchRuleset.Config("netext3", 0x4e580003, false, List.of()),
                LOCAL, LOCAL.withTunnel("wg0", 51820), LOCAL.withLocal(List.of()))) {
            String script = KillSwitchRuleset.render(c);
            Process p = new ProcessBuilder("nft", "-c", "-f", "-").redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) { in.write(script.getBytes(StandardCharsets.US_ASCII)); }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(script + out).isZero();
        }
    }
}
