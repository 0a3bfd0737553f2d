package dev.netext.daemon.capture;

import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.UdpFlow;
import dev.netext.daemon.flows.TestFlows;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The capture's table for IPv4 TCP and IPv6 UDP flows (the kernel side is FlowCaptureIntegrationTest's). */
class FlowCaptureRulesTest {

    @Test
    void logsTheClientTupleBothWaysAndTheUpstreamByMarkAndRemote() {
        String r = FlowCaptureRules.ruleset(TestFlows.flow(7, null), 40001, 65535, 0x4e580001);
        assertThat(r).startsWith("table inet netext-capture-40001 {")
                .contains("type filter hook output priority raw; policy accept;")
                .contains("    ip saddr 10.0.0.1 ip daddr 10.0.0.2 meta l4proto tcp th sport 40000 th dport 8080 log group 40001 snaplen 65535\n")
                .contains("    ip saddr 10.0.0.2 ip daddr 10.0.0.1 meta l4proto tcp th sport 8080 th dport 40000 log group 40001 snaplen 65535\n")
                .contains("    meta mark 0x4e580001 ip daddr 10.0.0.2 meta l4proto tcp th dport 8080 log group 40001 snaplen 65535\n")
                .contains("type filter hook prerouting priority raw; policy accept;")
                .contains("    iifname != \"lo\" ip saddr 10.0.0.1 ip daddr 10.0.0.2 meta l4proto tcp th sport 40000 th dport 8080 log")
                .contains("    iifname != \"lo\" ip saddr 10.0.0.2 meta l4proto tcp th sport 8080 log group 40001");
    }

    @Test
    void ipv6UdpFlowsUseIp6MatchesAndCompressedAddresses() {
        UdpFlow f = new UdpFlow(3, Direction.OUTBOUND, Endpoint.parse("[fd00::1]:5353"), Endpoint.parse("[fd00:0:0::2]:53"),
                null, Optional.empty(), Optional.empty(), Instant.now());
        String r = FlowCaptureRules.ruleset(f, 33000, 1500, 1);
        assertThat(r).contains("ip6 saddr fd00::1 ip6 daddr fd00::2 meta l4proto udp th sport 5353 th dport 53 log group 33000 snaplen 1500")
                .contains("meta mark 0x1 ip6 daddr fd00::2 meta l4proto udp th dport 53")
                .doesNotContain(" ip saddr");
    }

    @Test
    void upstreamEndpointsCompareAsTheFlowPrintsThem() {
        assertThat(FlowCapture.normalized("[0:0:0:0:0:0:0:1]:4000")).isEqualTo(new Endpoint(java.net.InetAddress.ofLiteral("::1"), 4000).toString());
        assertThat(FlowCapture.normalized("10.0.0.1:4000")).isEqualTo("10.0.0.1:4000");
        assertThat(FlowCapture.normalized(null)).isNull();
        assertThat(FlowCapture.normalized("not-an-address:1")).isEqualTo("not-an-address:1");
    }
}
