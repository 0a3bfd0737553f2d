package dev.netext.linux.tproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.Root;
import dev.netext.linux.sys.HostPackages;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TproxyRulesetTest {

    @Test
    void everythingScopeMarksAllTcpAndSkipsBypassAndLocal() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL));
        assertThat(s).startsWith("table inet netext-flow {");
        List<String> lines = s.lines().map(String::strip).toList();
        int bypass = lines.indexOf("meta mark 0x4e580f02 return");
        int local = lines.indexOf("fib daddr type local return");
        int mark = lines.indexOf("meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original ct label set 78 meta mark set 0x4e580f01");
        assertThat(bypass).isPositive().isLessThan(local);
        assertThat(lines.indexOf("meta mark != 0 return")).isBetween(bypass, local); // a VPN's marked socket is its own
        assertThat(local).isLessThan(mark); // skips come before the mark, or netext would loop
        assertThat(s).contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv4 meta l4proto tcp tproxy ip to 127.0.0.1:4000")
                .contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv6 meta l4proto tcp tproxy ip6 to [::1]:4001");
    }

    /**
     * Answers of this host's servers leave through output too: only a connection whose SYN left here is marked (its
     * later packets by the conntrack label), UDP only in conntrack's original direction — never an inbound
     * connection's SYN-ACK, data or UDP reply, nor a connection conntrack picked up mid-stream.
     */
    @Test
    void onlyConnectionsOpenedHereAreMarked() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 5001));
        List<String> marking = s.lines().map(String::strip).filter(l -> l.contains("meta mark set")).toList();
        assertThat(marking).containsExactly(
                "meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original ct label set 78 meta mark set 0x4e580f01",
                "meta l4proto udp ct direction original meta mark set 0x4e580f01",
                "meta l4proto tcp ct direction original ct label 78 meta mark set 0x4e580f01");
        // the scope is checked on the SYN; the label carries the decision to the connection's later packets
        var scoped = new InterceptionConfig.Scope(List.of(1000L), List.of(), List.of(), List.of());
        assertThat(TproxyRuleset.render(InterceptionConfig.of(4000, 0, scoped)).lines().map(String::strip)
                .filter(l -> l.contains("meta mark set")).toList()).containsExactly(
                "meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original meta skuid 1000 ct label set 78 meta mark set 0x4e580f01",
                "meta l4proto tcp ct direction original ct label 78 meta mark set 0x4e580f01");
    }

    @Test
    void queuedSynsAreLeftToTheFlowLayerWhichSendsSomeToTproxy() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 0)
                .withTcpQueued(true));
        assertThat(s).doesNotContain("tcp flags & (syn | ack) == syn ct direction original");
        assertThat(s).contains("iifname \"lo\" meta mark 0x4e580f01 meta l4proto tcp tcp flags & (syn | ack) == syn ct label set 78");
        assertThat(s).contains("meta l4proto tcp ct direction original ct label 78 meta mark set 0x4e580f01");
        assertThat(s).contains("meta l4proto udp ct direction original meta mark set 0x4e580f01");
    }

    @Test
    void queuedUdpFlowsAreLeftToTheFlowLayerWhichSendsSomeToTproxy() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 5001)
                .withTcpQueued(true).withUdpQueued(true));
        assertThat(s).doesNotContain("meta l4proto udp ct direction original meta mark set");
        assertThat(s).contains("iifname \"lo\" meta mark 0x4e580f01 meta l4proto udp ct label set 78");
        assertThat(s).contains("meta l4proto udp ct direction original ct label 78 meta mark set 0x4e580f01");
        assertThat(s.indexOf("meta l4proto udp ct label set 78")).as("labelled before tproxy takes it")
                .isLessThan(s.indexOf("meta l4proto udp tproxy ip to 127.0.0.1:5000"));
    }

    @Test
    void scopeSelectorsBecomeOneMarkRuleEach() {
        var scope = new InterceptionConfig.Scope(List.of(1000L, 1001L), List.of(50L), List.of("user.slice/app.slice"), List.of(0L));
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 0, scope));
        assertThat(s).contains("meta skuid 0 return")
                .contains("meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original meta skuid { 1000, 1001 } ct label set 78 meta mark set 0x4e580f01")
                .contains("meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original meta skgid 50 ct label set 78 meta mark set 0x4e580f01")
                .contains("meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original socket cgroupv2 level 2 \"user.slice/app.slice\" ct label set 78 meta mark set 0x4e580f01")
                .doesNotContain("ip6 to");
    }

    @Test
    void badConfigsAreRefused() {
        assertThatThrownBy(() -> InterceptionConfig.of(0, 0, null)).hasMessageContaining("no listener");
        assertThatThrownBy(() -> new InterceptionConfig.Scope(null, null, List.of("a\"; drop"), null))
                .hasMessageContaining("bad cgroup");
        assertThatThrownBy(() -> new InterceptionConfig.Scope(null, null, List.of("../x"), null)).hasMessageContaining("bad cgroup");
        assertThatThrownBy(() -> new InterceptionConfig(1, 0, 5, 5, 100, 1, null)).hasMessageContaining("differ");
        assertThatThrownBy(() -> new InterceptionConfig(1, 0, 5, 6, 254, 1, null)).hasMessageContaining("reserved");
    }

    @Test
    void udpIsMarkedAndTproxiedToItsOwnListenersAfterTheSkips() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL)
                .withUdp(5000, 5001).withDnsExcluded(true));
        List<String> lines = s.lines().map(String::strip).toList();
        int dns = lines.indexOf("meta l4proto { tcp, udp } th dport 53 return");
        int udp = lines.indexOf("meta l4proto udp ct direction original meta mark set 0x4e580f01");
        assertThat(dns).isPositive().isLessThan(udp);
        assertThat(lines.indexOf("fib daddr type local return")).isLessThan(dns);
        assertThat(s).contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv4 meta l4proto udp tproxy ip to 127.0.0.1:5000")
                .contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv6 meta l4proto udp tproxy ip6 to [::1]:5001")
                .doesNotContain("fib daddr type { local"); // no gateway
    }

    @Test
    void aProtocolInOneFamilyOnlyIsQualifiedSoTheOtherFamilyIsNotLoopedToNothing() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 0));
        assertThat(s).contains("    meta l4proto tcp ct direction original ct label 78 meta mark set 0x4e580f01")
                .contains("    meta nfproto ipv4 meta l4proto udp ct direction original meta mark set 0x4e580f01")
                .doesNotContain("th dport 53");
    }

    @Test
    void gatewayModeTproxiesForwardedTrafficOnTheGivenInterfaces() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL)
                .withUdp(5000, 5001).withGateway(List.of("lan0", "lan1")));
        assertThat(s).contains("iifname { \"lan0\", \"lan1\" } fib daddr type { local, broadcast, multicast } return")
                .contains("iifname { \"lan0\", \"lan1\" } meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:4000")
                .contains("iifname { \"lan0\", \"lan1\" } meta nfproto ipv6 meta l4proto udp meta mark set 0x4e580f01 tproxy ip6 to [::1]:5001");
        assertThat(TproxyRuleset.render(InterceptionConfig.of(4000, 0, null).withGateway(List.of("eth1"))))
                .contains("iifname \"eth1\" meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:4000");
        assertThatThrownBy(() -> InterceptionConfig.of(4000, 0, null).withGateway(List.of("eth1\"; flush ruleset")))
                .hasMessageContaining("bad gateway interface");
        assertThatThrownBy(() -> InterceptionConfig.of(4000, 0, null).withGateway(List.of("a-name-longer-than-15")))
                .hasMessageContaining("bad gateway interface");
    }

    @Test
    void queuedForwardedFlowsAreHandedOverOnlyWhenTheirVerdictMarkedThem() {
        InterceptionConfig queued = InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 5001)
                .withGateway(List.of("lan0")).withTcpQueued(true).withUdpQueued(true);
        assertThat(TproxyRuleset.render(queued)).as("the fast path without forwarded flows: gateway as before")
                .contains("priority mangle; policy accept;")
                .contains("iifname \"lan0\" meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy");
        String s = TproxyRuleset.render(queued.withForwardedQueued(Set.of(IpFamily.V4, IpFamily.V6)));
        assertThat(s).contains("type filter hook prerouting priority mangle + 1; policy accept;")
                .contains("iifname \"lan0\" fib daddr type { local, broadcast, multicast } return")
                .contains("iifname \"lan0\" meta mark 0x4e580f01 meta l4proto tcp tcp flags & (syn | ack) == syn ct label set 78")
                .contains("iifname \"lan0\" meta mark 0x4e580f01 meta l4proto udp ct label set 78")
                .contains("iifname \"lan0\" ct direction original ct label 78 meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:4000")
                .contains("iifname \"lan0\" ct direction original ct label 78 meta nfproto ipv6 meta l4proto udp meta mark set 0x4e580f01 tproxy ip6 to [::1]:5001")
                .doesNotContain("iifname \"lan0\" meta nfproto");
        assertThat(InterceptionConfig.of(4000, 0, null).withForwardedQueued(Set.of(IpFamily.V4)).withTcpQueued(true)
                .queuesForwarded()).as("no gateway interface: nothing forwarded is queued").isFalse();
        // IPv6 not forwarded here: its forwarded flows keep the terminated path
        String v4 = TproxyRuleset.render(queued.withForwardedQueued(Set.of(IpFamily.V4)));
        assertThat(v4).contains("iifname \"lan0\" meta mark 0x4e580f01 meta nfproto ipv4 meta l4proto tcp tcp flags & (syn | ack) == syn ct label set 78")
                .contains("iifname \"lan0\" ct direction original ct label 78 meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:4000")
                .contains("iifname \"lan0\" meta nfproto ipv6 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip6 to [::1]:4001");
    }

    /** nft itself accepts every form ({@code -c}: check only, nothing is applied). */
    @Test
    void nftAcceptsTheRulesets() throws Exception {
        Root.assumeRoot(); // nft -c needs CAP_NET_ADMIN too
        HostPackages.require("nft");
        for (InterceptionConfig c : List.of(
                InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL).withUdp(5000, 5001).withDnsExcluded(true),
                InterceptionConfig.of(4000, 0, null).withUdp(5000, 0).withGateway(List.of("eth1", "eth2")),
                InterceptionConfig.of(4000, 4001, null).withUdp(5000, 5001).withTcpQueued(true),
                InterceptionConfig.of(4000, 4001, null).withUdp(5000, 5001).withTcpQueued(true).withUdpQueued(true),
                InterceptionConfig.of(4000, 4001, null).withUdp(5000, 5001).withTcpQueued(true).withUdpQueued(true)
                        .withGateway(List.of("eth1", "eth2")).withForwardedQueued(Set.of(IpFamily.V4, IpFamily.V6)),
                InterceptionConfig.of(4000, 4001, null).withUdp(5000, 5001).withTcpQueued(true).withUdpQueued(true)
                        .withGateway(List.of("eth1")).withForwardedQueued(Set.of(IpFamily.V6)),
                new InterceptionConfig(0, 0, InterceptionConfig.DEFAULT_INTERCEPT_MARK,
                        InterceptionConfig.DEFAULT_BYPASS_MARK, 100, 1, null, 0, 5001, List.of("eth1"), false))) {
            Process p = new ProcessBuilder("nft", "-c", "-f", "-").redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) { in.write(TproxyRuleset.render(c).getBytes()); }
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(TproxyRuleset.render(c) + out).isZero();
        }
    }
}
