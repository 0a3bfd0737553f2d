package dev.netext.api.proxy;

import dev.netext.api.ProviderKind;
import dev.netext.api.flow.AppRule;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flows;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.netext.api.ProviderKind.APP_PROXY;
import static dev.netext.api.ProviderKind.TRANSPARENT_PROXY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyChainTest {
    private static final ProxyRules ALL = ProxyRules.including(NetworkRule.any());

    private static ProxyChain.Member member(String name, ProviderKind kind, int order, ProxyRules rules) {
        return new ProxyChain.Member(name, kind, order, rules);
    }

    private static List<String> names(List<ProxyChain.Member> ms) {
        return ms.stream().map(ProxyChain.Member::provider).toList();
    }

    @Test
    void sortsByOrderThenNameWhateverTheInputOrder() {
        var chain = new ProxyChain(List.of(
                member("zeta", TRANSPARENT_PROXY, 0, ALL),
                member("late", TRANSPARENT_PROXY, 10, ALL),
                member("alpha", TRANSPARENT_PROXY, 0, ALL),
                member("early", TRANSPARENT_PROXY, -5, ALL)));
        assertThat(names(chain.members())).containsExactly("early", "alpha", "zeta", "late");
        assertThat(chain.indexOf("zeta")).isEqualTo(2);
    }

    @Test
    void offersOnlyToMatchingMembersAndUpstreamFlowsOnlyToLaterOnes() {
        var web = ProxyRules.including(NetworkRule.any().withRemotePorts(PortRange.of(443)))
                .excluding(NetworkRule.toNetwork(IpPrefix.parse("10.0.0.0/8"), dev.netext.api.flow.TransportProtocol.ANY));
        var chain = new ProxyChain(List.of(
                member("corp", TRANSPARENT_PROXY, 1, ALL),
                member("privacy", TRANSPARENT_PROXY, 0, web),
                member("audit", TRANSPARENT_PROXY, 2, ALL)));
        TcpFlow https = Flows.tcp(1, "192.168.1.2:40000", "93.184.216.34:443");
        assertThat(names(chain.candidates(https))).containsExactly("privacy", "corp", "audit");
        assertThat(names(chain.candidates(Flows.tcp(2, "192.168.1.2:40000", "10.1.1.1:443")))).containsExactly("corp", "audit");
        assertThat(names(chain.candidates(Flows.tcp(3, "192.168.1.2:40000", "93.184.216.34:80")))).containsExactly("corp", "audit");
        assertThat(names(chain.candidatesAfter("privacy", https))).containsExactly("corp", "audit");
        assertThat(names(chain.candidatesAfter("audit", https))).isEmpty();
        assertThatThrownBy(() -> chain.candidatesAfter("nobody", https)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appProxiesOnlySeeTheirAppsAndNeedAppRules() {
        var chain = new ProxyChain(List.of(
                member("vpn", APP_PROXY, 0, ProxyRules.forApps(List.of(AppRule.cgroup("/user.slice/user-1000.slice/app.slice/app-firefox"))))));
        var firefox = ProcessInfo.builder().cgroupPath("/user.slice/user-1000.slice/app.slice/app-firefox-1.scope").build();
        var fromFirefox = new TcpFlow(9, Direction.OUTBOUND, Endpoint.parse("10.0.0.2:1000"),
                Endpoint.parse("1.1.1.1:443"), firefox, Optional.empty(), Optional.empty(), Instant.EPOCH);
        assertThat(names(chain.candidates(fromFirefox))).containsExactly("vpn");
        assertThat(chain.candidates(Flows.tcp(10, "10.0.0.2:1000", "1.1.1.1:443"))).isEmpty();

        assertThatThrownBy(() -> member("vpn", APP_PROXY, 0, ALL)).hasMessageContaining("no app rules");
        assertThatThrownBy(() -> member("dns", ProviderKind.DNS_PROXY, 0, ALL)).hasMessageContaining("not a proxy");
    }

    @Test
    void noIncludedRulesMeansNoFlowsAndNamesAreUnique() {
        assertThat(ProxyRules.NONE.matches(Flows.tcp(1, "10.0.0.2:1000", "1.1.1.1:443"))).isFalse();
        assertThatThrownBy(() -> new ProxyChain(List.of(member("a", TRANSPARENT_PROXY, 0, ALL),
                member("a", TRANSPARENT_PROXY, 5, ALL)))).hasMessageContaining("twice");
    }

    @Test
    void datagramCopiesItsPayload() {
        ByteBuffer payload = ByteBuffer.wrap(new byte[]{1, 2, 3});
        var d = new Datagram(Endpoint.parse("1.1.1.1:53"), payload);
        payload.put(0, (byte) 7);
        assertThat(d.payload().get(0)).isEqualTo((byte) 1);
        assertThat(d.payload().remaining()).isEqualTo(3);
        assertThatThrownBy(() -> new Datagram(Endpoint.parse("1.1.1.1:53"), ByteBuffer.allocate(Datagram.MAX_PAYLOAD + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
