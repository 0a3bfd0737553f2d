package dev.netext.flow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RulesFilterTest {
    private static final ProcessInfo CURL = ProcessInfo.builder().pid(42).executable(Path.of("/usr/bin/curl")).uid(1000)
            .cgroupPath("/user.slice/user-1000.slice/app.slice/term.scope").build();

    private static TcpFlow flow(String remote, String host, ProcessInfo p) {
        return new TcpFlow(7, Direction.OUTBOUND, Endpoint.parse("10.0.0.1:40000"), Endpoint.parse(remote), p,
                host == null ? Optional.empty() : Optional.of(new HostnameInfo(host, HostnameInfo.Source.TLS_SNI)),
                Optional.empty(), Instant.EPOCH);
    }

    @Test
    void firstMatchDecidesAndDefaultAppliesOtherwise() {
        RulesFilter f = new RulesFilter(List.of(
                FlowRule.of(RuleAction.ALLOW).withHost("ok.blocked.test"),
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.PROMPT).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443))),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(f.handleNewFlow(flow("192.0.2.1:443", "ok.blocked.test", CURL))).isEqualTo(FinalVerdict.ALLOW);
        assertThat(f.handleNewFlow(flow("192.0.2.1:443", "x.blocked.test", CURL))).isEqualTo(FinalVerdict.DROP);
        assertThat(f.handleNewFlow(flow("192.0.2.1:443", "blocked.test", CURL))).isEqualTo(FinalVerdict.ALLOW); // *. is strictly below
        assertThat(f.handleNewFlow(flow("203.0.113.9:443", null, CURL)))
                .isEqualTo(new FilterVerdict.Pause(Duration.ofSeconds(5), FinalVerdict.DROP));
        assertThat(f.handleNewFlow(flow("203.0.113.9:80", null, CURL))).isEqualTo(FinalVerdict.ALLOW);
    }

    @Test
    void processSelectorsNeedAnAttributedProcess() {
        FlowRule byPath = FlowRule.of(RuleAction.DROP).withProcessPath(Path.of("/usr/bin/curl"));
        FlowRule byName = FlowRule.of(RuleAction.DROP).withProcessName("curl");
        FlowRule byUid = FlowRule.of(RuleAction.DROP).withUid(1000L);
        FlowRule byCgroup = FlowRule.of(RuleAction.DROP).withCgroup("/user.slice/user-1000.slice");
        FlowRule byOtherCgroup = FlowRule.of(RuleAction.DROP).withCgroup("/user.slice/user-100");
        FlowRule udp = FlowRule.of(RuleAction.DROP).withProtocol(TransportProtocol.UDP);
        TcpFlow known = flow("192.0.2.1:443", null, CURL), unknown = flow("192.0.2.1:443", null, ProcessInfo.UNKNOWN);
        for (FlowRule r : List.of(byPath, byName, byUid, byCgroup)) {
            assertThat(r.matches(known)).as(r.toString()).isTrue();
            assertThat(r.matches(unknown)).as(r.toString()).isFalse();
        }
        assertThat(byOtherCgroup.matches(known)).isFalse(); // a path prefix, not a string prefix
        assertThat(udp.matches(known)).isFalse();
        assertThat(FlowRule.of(RuleAction.DROP).withHost("*.x.test").matches(unknown)).isFalse(); // no name: no match
    }

    @Test
    void silentDropModeAndBadPatterns() {
        RulesFilter f = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withPort(PortRange.of(443))),
                RuleAction.ALLOW, null, null, DropMode.SILENT);
        assertThat(f.handleNewFlow(flow("192.0.2.1:443", null, CURL))).isEqualTo(FinalVerdict.DROP_SILENTLY);
        assertThatThrownBy(() -> FlowRule.of(RuleAction.DROP).withHost("a.*.test")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RulesFilter(List.of(), RuleAction.ALLOW, Duration.ofHours(1), null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void needsTheProcessOnlyForProcessSelectorsOrPrompts() {
        RulesFilter byName = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withHost("*.x.test"),
                FlowRule.of(RuleAction.DROP).withCidr(IpPrefix.parse("192.0.2.0/24")).withPort(PortRange.of(443))),
                RuleAction.ALLOW, null, null, DropMode.RESET);
        assertThat(byName.needsProcess()).isFalse();
        assertThat(byName.decidesInline()).isTrue();
        for (FlowRule r : List.of(FlowRule.of(RuleAction.DROP).withProcessPath(Path.of("/usr/bin/curl")),
                FlowRule.of(RuleAction.ALLOW).withProcessName("curl"), FlowRule.of(RuleAction.DROP).withUid(0L),
                FlowRule.of(RuleAction.DROP).withCgroup("/system.slice"),
                FlowRule.of(RuleAction.PROMPT).withHost("*.ask.test"))) // a prompt shows the process to the user
            assertThat(new RulesFilter(List.of(r), RuleAction.ALLOW, null, null, DropMode.RESET).needsProcess())
                    .as(r.toString()).isTrue();
        assertThat(new RulesFilter(List.of(), RuleAction.DROP, null, null, DropMode.RESET).needsProcess()).isFalse();
    }

    @Test
    void pathIsTheFastOneUnlessAPromptMayDecideTheFlow() {
        RulesFilter f = new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.PROMPT).withHost("*.ask.test"),
                FlowRule.of(RuleAction.PROMPT).withPort(PortRange.of(8443))),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(f.pathFor(flow("192.0.2.1:443", "x.blocked.test", CURL))).isEqualTo(FlowPath.VERDICT);
        assertThat(f.pathFor(flow("192.0.2.1:443", "www.ok.test", CURL))).isEqualTo(FlowPath.VERDICT);
        assertThat(f.pathFor(flow("192.0.2.1:443", "x.ask.test", CURL))).isEqualTo(FlowPath.TERMINATED);
        // no name at the SYN yet: its SNI may still be *.ask.test
        assertThat(f.pathFor(flow("192.0.2.1:443", null, CURL))).isEqualTo(FlowPath.TERMINATED);
        assertThat(f.pathFor(flow("192.0.2.1:8443", "www.ok.test", CURL))).isEqualTo(FlowPath.TERMINATED);
        RulesFilter noPrompt = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withHost("*.blocked.test")),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(noPrompt.pathFor(flow("192.0.2.1:443", null, CURL))).isEqualTo(FlowPath.VERDICT);
        RulesFilter promptByDefault = new RulesFilter(List.of(FlowRule.of(RuleAction.ALLOW).withPort(PortRange.of(443))),
                RuleAction.PROMPT, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(promptByDefault.pathFor(flow("192.0.2.1:443", null, CURL))).isEqualTo(FlowPath.VERDICT);
        assertThat(promptByDefault.pathFor(flow("192.0.2.1:80", null, CURL))).isEqualTo(FlowPath.TERMINATED);
    }
}
