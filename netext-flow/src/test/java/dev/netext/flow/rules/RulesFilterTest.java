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
    void theDecidingRuleIsNamedByItsIndexAndDescribedByItsSelectors() {
        FlowRule byHost = FlowRule.of(RuleAction.DROP).withHost("*.blocked.test");
        FlowRule byAddress = FlowRule.of(RuleAction.PROMPT).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443))
                .withProtocol(TransportProtocol.TCP).withProcessPath(Path.of("/usr/bin/curl"));
        RulesFilter f = new RulesFilter(List.of(byHost, byAddress), RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(f.ruleIndexFor(flow("198.51.100.1:80", "x.blocked.test", CURL))).isZero();
        assertThat(f.ruleIndexFor(flow("203.0.113.9:443", null, CURL))).isEqualTo(1);
        assertThat(f.ruleIndexFor(flow("203.0.113.9:80", null, CURL))).isEqualTo(RulesFilter.DEFAULT);
        assertThat(f.actionAt(RulesFilter.DEFAULT)).isEqualTo(RuleAction.ALLOW);
        assertThat(f.verdictAt(1, flow("203.0.113.9:443", null, CURL))).isInstanceOf(FilterVerdict.Pause.class);
        assertThat(byHost.describe()).isEqualTo("host=*.blocked.test");
        assertThat(byAddress.describe()).isEqualTo("cidr=203.0.113.0/24 port=443 protocol=tcp process=/usr/bin/curl");
        assertThat(FlowRule.of(RuleAction.DROP).describe()).isEqualTo("*");
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
    void inboundRulesMatchInboundFlowsOnlyAndTheirPortIsTheLocalService() {
        ProcessInfo server = ProcessInfo.builder().pid(9).executable(Path.of("/usr/bin/python3")).uid(0).build();
        TcpFlow in = new TcpFlow(8, Direction.INBOUND, Endpoint.parse("10.0.0.1:8000"), Endpoint.parse("10.0.0.2:51000"),
                server, Optional.empty(), Optional.empty(), Instant.EPOCH);
        TcpFlow out = flow("10.0.0.2:8000", null, server);
        FlowRule dropIn = FlowRule.of(RuleAction.DROP).withDirection(Direction.INBOUND).withPort(PortRange.of(8000));
        FlowRule dropOut = FlowRule.of(RuleAction.DROP).withPort(PortRange.of(8000));
        assertThat(dropIn.matches(in)).isTrue();
        assertThat(dropIn.matches(out)).isFalse();
        assertThat(dropOut.matches(in)).as("a rule without a direction is an outbound rule").isFalse();
        assertThat(dropOut.matches(out)).isTrue();
        assertThat(FlowRule.of(RuleAction.DROP).withDirection(Direction.INBOUND).withPort(PortRange.of(51000)).matches(in))
                .as("the client's port is not the service's").isFalse();

        RulesFilter outOnly = new RulesFilter(List.of(dropOut), RuleAction.DROP, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(outOnly.judgesInbound()).isFalse();
        assertThat(outOnly.handleNewFlow(in)).as("inbound default is allow, whatever the outbound default")
                .isEqualTo(FinalVerdict.ALLOW);
        RulesFilter withIn = new RulesFilter(List.of(dropIn), RuleAction.ALLOW, RuleAction.PROMPT, Duration.ofSeconds(5),
                FinalVerdict.DROP, DropMode.RESET);
        assertThat(withIn.judgesInbound()).isTrue();
        assertThat(withIn.handleNewFlow(in)).isEqualTo(FinalVerdict.DROP);
        assertThat(withIn.handleNewFlow(new TcpFlow(8, Direction.INBOUND, Endpoint.parse("10.0.0.1:22"),
                Endpoint.parse("10.0.0.2:51000"), server, Optional.empty(), Optional.empty(), Instant.EPOCH)))
                .isInstanceOf(FilterVerdict.Pause.class);
        assertThat(RulesFilter.describe(in)).containsEntry("direction", "in").containsEntry("local", "10.0.0.1:8000");
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

    @Test
    void pathWithoutProcessIsTheFastOneOnlyWhenNoProcessCouldMakeAPromptDecide() {
        TcpFlow unattributed = flow("192.0.2.1:443", null, ProcessInfo.UNKNOWN);
        RulesFilter bench = new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withProcessName("wget"),
                FlowRule.of(RuleAction.PROMPT).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443)),
                FlowRule.of(RuleAction.DROP).withUid(4242L)),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(bench.needsProcess()).isTrue();
        assertThat(bench.pathWithoutProcess(unattributed)).contains(FlowPath.VERDICT); // the SYN need not wait
        assertThat(bench.pathWithoutProcess(flow("203.0.113.9:443", null, ProcessInfo.UNKNOWN))).isEmpty();
        // a prompt for one program: without the process it may be that program (pathFor would say VERDICT here)
        RulesFilter askCurl = new RulesFilter(List.of(FlowRule.of(RuleAction.PROMPT).withProcessName("curl")),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(askCurl.pathFor(unattributed)).isEqualTo(FlowPath.VERDICT);
        assertThat(askCurl.pathWithoutProcess(unattributed)).isEmpty();
        assertThat(askCurl.pathFor(flow("192.0.2.1:443", null, CURL))).isEqualTo(FlowPath.TERMINATED);
        // a rule that decides whatever the process, before the prompt: fast
        RulesFilter allowFirst = new RulesFilter(List.of(
                FlowRule.of(RuleAction.ALLOW).withPort(PortRange.of(443)),
                FlowRule.of(RuleAction.PROMPT).withProcessName("curl")),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(allowFirst.pathWithoutProcess(unattributed)).contains(FlowPath.VERDICT);
        // a process rule before a default prompt may or may not match: the process decides
        RulesFilter promptByDefault = new RulesFilter(List.of(FlowRule.of(RuleAction.ALLOW).withProcessName("curl")),
                RuleAction.PROMPT, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        assertThat(promptByDefault.pathWithoutProcess(unattributed)).isEmpty();
        assertThat(promptByDefault.pathFor(flow("192.0.2.1:443", null, CURL))).isEqualTo(FlowPath.VERDICT);
    }
}
