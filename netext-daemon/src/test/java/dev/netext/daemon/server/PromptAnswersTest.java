package dev.netext.daemon.server;

import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.TestFlows;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PromptAnswersTest {

    @Test
    void allowAlwaysAllowsTheSameHostAndProcessOnly() {
        EventLog log = new EventLog();
        FlowServices flows = FlowServices.on(log);
        TestFlows.open(log, "p", TestFlows.flow(1, "ask.test"));
        TestFlows.prompt(log, "p", 1, Duration.ofSeconds(30));
        FlowRecord f = flows.table().get(1);
        FlowRule r = PromptAnswers.sessionRule(f);
        assertThat(r.host()).isEqualTo("ask.test");
        assertThat(r.processPath()).hasToString("/usr/bin/curl");
        assertThat(r.cidr()).isNull();
        assertThat(r.matches(TestFlows.flow(5, "ask.test"))).isTrue();
        assertThat(r.matches(TestFlows.flow(6, "other.test"))).isFalse();

        TestFlows.open(log, "p", TestFlows.flow(2, null));
        FlowRule byAddress = PromptAnswers.sessionRule(flows.table().get(2));
        assertThat(byAddress.host()).isNull();
        assertThat(byAddress.cidr()).hasToString("10.0.0.2/32");
        assertThat(byAddress.port().first()).isEqualTo(8080);
        assertThat(byAddress.matches(TestFlows.flow(7, null))).isTrue();
    }

    @Test
    void anInboundAnswerKeepsThisClientToThisServiceOfThisServerAndSurvivesTheFile() throws Exception {
        EventLog log = new EventLog();
        FlowServices flows = FlowServices.on(log);
        ProcessInfo python = ProcessInfo.builder().pid(9).executable(Path.of("/usr/bin/python3.13")).uid(0).build();
        TcpFlow in = new TcpFlow(3, Direction.INBOUND, Endpoint.parse("10.0.0.1:8000"), Endpoint.parse("10.0.0.9:51000"),
                python, Optional.empty(), Optional.empty(), Instant.now());
        TestFlows.open(log, "p", in);
        FlowRule r = PromptAnswers.sessionRule(flows.table().get(3));
        assertThat(r.direction()).isEqualTo(Direction.INBOUND);
        assertThat(r.cidr()).hasToString("10.0.0.9/32");
        assertThat(r.port().first()).isEqualTo(8000);
        assertThat(r.matches(in)).isTrue();
        assertThat(r.matches(TestFlows.flow(4, null))).as("not an outbound flow").isFalse();

        SavedRule saved = new SavedRule("i1", RuleAction.DROP, null, r.processPath(), r.cidr(), 8000, "p", Instant.EPOCH,
                null, "prompt", true, r.direction());
        assertThat(saved.matches("p", in, Instant.now())).isTrue();
        var json = dev.netext.daemon.rules.RulesFile.json(saved);
        assertThat(json.path("direction").asText()).isEqualTo("in");
        assertThat(dev.netext.daemon.rules.RulesFile.direction(json.path("direction").asText())).isEqualTo(Direction.INBOUND);
        assertThat(dev.netext.daemon.rules.RulesFile.json(rule("o", RuleAction.DROP, "a.test", null)).has("direction"))
                .as("outbound rules are written as before").isFalse();
    }

    @Test
    void theSavedRulesAreTriedBeforeTheProfilesPromptRule() throws Exception {
        var rules = new dev.netext.flow.rules.RulesFilter(java.util.List.of(FlowRule.of(dev.netext.flow.rules.RuleAction.PROMPT).withHost("*.test")),
                dev.netext.flow.rules.RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, null);
        SavedRules saved = SavedRules.inMemory();
        var filter = dev.netext.daemon.interception.FlowLauncherAccess.savedRulesFilter(rules, saved, "p");
        assertThat(filter.handleNewFlow(TestFlows.flow(1, "a.test"))).isInstanceOf(FilterVerdict.Pause.class);
        saved.add(rule("a", RuleAction.ALLOW, "a.test", null));
        saved.add(rule("b", RuleAction.DROP, "b.test", null));
        saved.add(rule("c", RuleAction.DROP, "c.test", "other-profile"));
        assertThat(filter.handleNewFlow(TestFlows.flow(2, "a.test"))).isEqualTo(FinalVerdict.ALLOW);
        assertThat(filter.handleNewFlow(TestFlows.flow(3, "b.test"))).isEqualTo(FinalVerdict.DROP);
        assertThat(filter.handleNewFlow(TestFlows.flow(4, "c.test"))).as("another profile's rule")
                .isInstanceOf(FilterVerdict.Pause.class);
        assertThat(filter.handleNewFlow(TestFlows.flow(5, "d.test"))).isInstanceOf(FilterVerdict.Pause.class);
        saved.delete("b");
        assertThat(filter.handleNewFlow(TestFlows.flow(6, "b.test"))).isInstanceOf(FilterVerdict.Pause.class);
    }

    private static SavedRule rule(String id, RuleAction action, String host, String profile) {
        return new SavedRule(id, action, host, null, null, null, profile, Instant.now(), null, "cli", false);
    }
}
