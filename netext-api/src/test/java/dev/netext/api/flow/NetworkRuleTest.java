package dev.netext.api.flow;

import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import static dev.netext.api.flow.TransportProtocol.ANY;
import static dev.netext.api.flow.TransportProtocol.TCP;
import static dev.netext.api.flow.TransportProtocol.UDP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkRuleTest {
    private final TcpFlow https = Flows.tcp(1, "192.168.1.5:50000", "10.1.2.3:443");

    @Test
    void networkRuleMatchesPrefixProtocolAndPorts() {
        NetworkRule rule = NetworkRule.toNetwork(IpPrefix.parse("10.0.0.0/8"), TCP).withRemotePorts(PortRange.parse("440-450"));
        assertThat(rule.matches(https)).isTrue();
        assertThat(rule.matches(Flows.tcp(2, "192.168.1.5:50000", "11.1.2.3:443"))).isFalse();
        assertThat(rule.matches(Flows.tcp(3, "192.168.1.5:50000", "10.1.2.3:80"))).isFalse();
        assertThat(rule.matches(Flows.udp(4, "192.168.1.5:50000", "10.1.2.3:443"))).isFalse();
        assertThat(rule.withRemotePorts(PortRange.ALL).matches(Flows.tcp(3, "192.168.1.5:50000", "10.1.2.3:80"))).isTrue();
    }

    @Test
    void ruleNetworkIsStoredWithoutHostBits() {
        assertThat(NetworkRule.toNetwork(IpPrefix.parse("10.9.9.9/8"), ANY).remoteNetwork())
                .contains(IpPrefix.parse("10.0.0.0/8"));
    }

    @Test
    void familyMismatchNeverMatches() {
        NetworkRule v6 = NetworkRule.toNetwork(IpPrefix.parse("::/0"), ANY);
        assertThat(v6.matches(https)).isFalse();
        assertThat(v6.matches(Flows.udp(5, "[fd00::2]:5000", "[2001:db8::1]:53"))).isTrue();
    }

    @Test
    void directionAndLocalNetworkConditions() {
        NetworkRule inbound = NetworkRule.any().withDirection(Direction.INBOUND);
        assertThat(inbound.matches(https)).isFalse();
        assertThat(NetworkRule.any().withDirection(Direction.OUTBOUND).matches(https)).isTrue();
        assertThat(NetworkRule.any().withLocalNetwork(IpPrefix.parse("192.168.1.0/24")).matches(https)).isTrue();
        assertThat(NetworkRule.any().withLocalNetwork(IpPrefix.parse("192.168.2.0/24")).matches(https)).isFalse();
    }

    @Test
    void hostRuleMatchesLearnedHostnamesOnly() {
        NetworkRule rule = NetworkRule.toHost("*.example.com", TCP);
        assertThat(rule.matches(https)).as("no hostname known").isFalse();
        assertThat(rule.matches(https.withHostname(new HostnameInfo("WWW.example.com", HostnameInfo.Source.DNS_MAP)))).isTrue();
        assertThat(rule.matches(https.withHostname(new HostnameInfo("example.com", HostnameInfo.Source.TLS_SNI)))).isFalse();
    }

    @Test
    void remoteNetworkAndHostAreExclusive() {
        assertThatThrownBy(() -> new NetworkRule(Optional.of(IpPrefix.parse("10.0.0.0/8")), Optional.of("example.com"),
                null, null, null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void portRangesParseAndValidate() {
        assertThat(PortRange.parse("443")).isEqualTo(PortRange.of(443));
        assertThat(PortRange.parse("*")).isEqualTo(PortRange.ALL);
        assertThat(PortRange.parse("8000-8100").contains(8100)).isTrue();
        assertThat(PortRange.parse("8000-8100").contains(8101)).isFalse();
        assertThatThrownBy(() -> PortRange.parse("9-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PortRange.parse("70000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PortRange.parse("-5")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appRulesNeedEveryConditionAndNeverMatchUnknownProcesses() {
        ProcessInfo firefox = ProcessInfo.builder().pid(42).executable(Path.of("/usr/lib/firefox/firefox")).uid(1000)
                .cgroupPath("/user.slice/user-1000.slice/app.slice/app-firefox-1234.scope").build();
        assertThat(AppRule.executable(Path.of("/usr/lib/firefox/firefox")).matches(firefox)).isTrue();
        assertThat(AppRule.cgroup("/user.slice/user-1000.slice/app.slice/app-firefox").matches(firefox)).isTrue();
        assertThat(AppRule.cgroup("/system.slice").matches(firefox)).isFalse();
        assertThat(new AppRule(Optional.of(Path.of("/usr/lib/firefox/firefox")), null, java.util.OptionalLong.of(0), null)
                .matches(firefox)).isFalse();
        assertThat(AppRule.executable(Path.of("/usr/lib/firefox/firefox")).matches(ProcessInfo.UNKNOWN)).isFalse();
        assertThatThrownBy(() -> new AppRule(null, null, null, null)).isInstanceOf(IllegalArgumentException.class);
        ProcessInfo staff = firefox.toBuilder().gid(50).build();
        assertThat(AppRule.gid(50).matches(staff)).isTrue();
        assertThat(AppRule.gid(51).matches(staff)).isFalse();
        assertThat(AppRule.gid(50).matches(firefox)).as("no gid known: no match").isFalse();
        assertThat(AppRule.uid(1000).matches(firefox)).isTrue();
    }

    @Test
    void flowsValidateTheirInvariants() {
        assertThatThrownBy(() -> Flows.tcp(0, "1.1.1.1:1", "2.2.2.2:2")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Flows.tcp(1, "1.1.1.1:1", "[::1]:2")).hasMessageContaining("family");
        UdpFlow f = Flows.udp(7, "1.1.1.1:1", "2.2.2.2:2");
        assertThat(f.process()).isEqualTo(ProcessInfo.UNKNOWN);
        assertThat(f.hostname()).isEmpty();
        assertThat(f.protocol()).isEqualTo(UDP);
        assertThat(f.created()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void endpointsParseAndPrintBothFamilies() {
        assertThat(Endpoint.parse("[2001:db8:0:0:0:0:0:1]:443").toString()).isEqualTo("[2001:db8::1]:443");
        assertThat(Endpoint.parse("10.0.0.1:53").toString()).isEqualTo("10.0.0.1:53");
        assertThatThrownBy(() -> Endpoint.parse("2001:db8::1:443")).hasMessageContaining("[ADDRESS]:PORT");
        assertThatThrownBy(() -> Endpoint.parse("10.0.0.1:65536")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void processInfoTreatsNullsAsUnknown() {
        ProcessInfo p = new ProcessInfo(null, null, null, null, null, null, null);
        assertThat(p).isEqualTo(ProcessInfo.UNKNOWN);
        assertThat(p.isKnown()).isFalse();
        assertThat(ProcessInfo.builder().containerId("abc").build().isKnown()).isTrue();
        assertThatThrownBy(() -> ProcessInfo.builder().uid(-1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(ProcessInfo.builder().uid(4_000_000_000L).build().uid()).hasValue(4_000_000_000L);
    }
}
