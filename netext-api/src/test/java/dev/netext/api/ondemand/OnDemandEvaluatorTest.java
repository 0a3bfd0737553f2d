package dev.netext.api.ondemand;

import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnDemandEvaluatorTest {
    private static final URI PROBE = URI.create("http://intranet.corp.example/probe");

    private final NetworkState office = NetworkState.of("eth0", InterfaceType.WIRED, List.of("corp.example"),
            List.of(IpPrefix.parseAddress("10.0.0.53")));
    private final NetworkState cafe = NetworkState.of("wlan0", InterfaceType.WIFI, List.of("lan"),
            List.of(IpPrefix.parseAddress("192.168.1.1")));

    private final List<URI> probed = new ArrayList<>();

    private OnDemandEvaluator evaluator(boolean probeOk, OnDemandRule... rules) {
        return new OnDemandEvaluator(List.of(rules), u -> { probed.add(u); return probeOk; });
    }

    @Test
    void firstMatchingRuleWinsEvenIfLaterOnesMatchToo() {
        var disconnectAtOffice = new OnDemandRule.Disconnect(OnDemandMatch.dnsSearchDomain("corp.example"));
        var connectOnWifi = new OnDemandRule.Connect(OnDemandMatch.interfaceType(InterfaceType.WIFI));
        var connectAlways = new OnDemandRule.Connect(null);
        var ev = evaluator(true, disconnectAtOffice, connectOnWifi, connectAlways);

        assertThat(ev.firstMatch(office)).contains(disconnectAtOffice);
        assertThat(ev.firstMatch(cafe)).contains(connectOnWifi);
        assertThat(ev.firstMatch(NetworkState.OFFLINE)).contains(connectAlways);
        assertThat(evaluator(true, disconnectAtOffice).firstMatch(cafe)).isEmpty();
    }

    @Test
    void probeRunsOnlyWhenOtherConditionsHold() {
        var rule = new OnDemandRule.Disconnect(OnDemandMatch.interfaceType(InterfaceType.WIRED).withProbeUrl(PROBE));
        var fallback = new OnDemandRule.Connect(null);

        assertThat(evaluator(true, rule, fallback).firstMatch(cafe)).contains(fallback);
        assertThat(probed).isEmpty();

        assertThat(evaluator(true, rule, fallback).firstMatch(office)).contains(rule);
        assertThat(evaluator(false, rule, fallback).firstMatch(office)).contains(fallback);
        assertThat(probed).containsExactly(PROBE, PROBE);
    }

    @Test
    void dnsServerAndInterfaceNameConditions() {
        var byServer = new OnDemandRule.Ignore(OnDemandMatch.ANY.withDnsServers(List.of(IpPrefix.parse("10.0.0.0/24"))));
        assertThat(evaluator(true, byServer).firstMatch(office)).contains(byServer);
        assertThat(evaluator(true, byServer).firstMatch(cafe)).isEmpty();

        var byName = new OnDemandRule.Connect(OnDemandMatch.ANY.withInterfaceName("wl*"));
        assertThat(evaluator(true, byName).firstMatch(cafe)).contains(byName);
        assertThat(evaluator(true, byName).firstMatch(office)).isEmpty();
        assertThat(evaluator(true, byName).firstMatch(NetworkState.OFFLINE)).isEmpty();
        assertThatThrownBy(() -> OnDemandMatch.ANY.withInterfaceName("w*0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OnDemandMatch.ANY.withProbeUrl(URI.create("ftp://x/")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void searchDomainPatternsMatchAnyCurrentDomain() {
        var wildcard = new OnDemandRule.Connect(OnDemandMatch.dnsSearchDomain("*.example"));
        assertThat(evaluator(true, wildcard).firstMatch(office)).contains(wildcard);
        assertThat(evaluator(true, wildcard).firstMatch(cafe)).isEmpty();
    }

    @Test
    void evaluateConnectionPicksTheFirstCoveringDomainRule() {
        var never = EvaluationRule.neverConnect("public.corp.example");
        var connect = EvaluationRule.connectIfNeeded("corp.example");
        var rule = new OnDemandRule.EvaluateConnection(null, List.of(never, connect));

        assertThat(rule.ruleFor("www.public.corp.example")).contains(never);
        assertThat(rule.ruleFor("git.corp.example")).contains(connect);
        assertThat(rule.ruleFor("example.org")).isEmpty();
        assertThatThrownBy(() -> new OnDemandRule.EvaluateConnection(null, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EvaluationRule(List.of("x.example"), EvaluationRule.Action.NEVER_CONNECT, List.of(),
                Optional.of(PROBE))).isInstanceOf(IllegalArgumentException.class);
    }
}
