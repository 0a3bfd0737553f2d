package dev.netext.daemon.server;

import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.TestFlows;
import dev.netext.flow.rules.FlowRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;

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
    void theSessionRulesAreTriedBeforeTheProfilesPromptRule() {
        var rules = new dev.netext.flow.rules.RulesFilter(java.util.List.of(FlowRule.of(dev.netext.flow.rules.RuleAction.PROMPT).withHost("*.test")),
                dev.netext.flow.rules.RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, null);
        var session = new java.util.concurrent.CopyOnWriteArrayList<FlowRule>();
        var filter = dev.netext.daemon.flow.FlowLauncherAccess.sessionRulesFilter(rules, session);
        assertThat(filter.handleNewFlow(TestFlows.flow(1, "a.test"))).isInstanceOf(FilterVerdict.Pause.class);
        session.add(FlowRule.of(dev.netext.flow.rules.RuleAction.ALLOW).withHost("a.test"));
        assertThat(filter.handleNewFlow(TestFlows.flow(2, "a.test"))).isEqualTo(FinalVerdict.ALLOW);
        assertThat(filter.handleNewFlow(TestFlows.flow(3, "b.test"))).isInstanceOf(FilterVerdict.Pause.class);
    }
}
