package dev.netext.daemon.interception;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TcpFlow;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The profile rule that decided a flow is named with what it did, for outbound and inbound flows alike; the wrapper
 * decides where the rules filter does (inline) and waits for the process only when a rule looks at it.
 */
class SavedRulesFilterTest {
    private static TcpFlow flow(long id, Direction direction, int port) {
        return new TcpFlow(id, direction, Endpoint.parse("10.0.0.1:" + (direction == Direction.INBOUND ? port : 40000)),
                Endpoint.parse("10.0.0.9:" + (direction == Direction.INBOUND ? 51000 : port)), null, Optional.empty(),
                Optional.empty(), Instant.EPOCH);
    }

    @Test
    void anInboundFlowNoRuleMatchedIsDecidedByTheInboundDefaultAndSaysSo() {
        // outbound default drop, inbound default allow: each direction's default decides, and is the one named
        RulesFilter rules = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withDirection(Direction.INBOUND)
                .withPort(PortRange.of(22))), RuleAction.DROP, RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP,
                DropMode.RESET);
        SavedRulesFilter filter = new SavedRulesFilter(rules, SavedRules.inMemory(), "p");
        SupervisedFilterTest.HostContext context = new SupervisedFilterTest.HostContext();
        filter.startFilter(context, Map.of());

        assertThat(filter.handleNewFlow(flow(1, Direction.INBOUND, 8000))).isEqualTo(FinalVerdict.ALLOW);
        assertThat(filter.handleNewFlow(flow(2, Direction.OUTBOUND, 443))).isInstanceOf(FinalVerdict.Drop.class);
        assertThat(filter.handleNewFlow(flow(3, Direction.INBOUND, 22))).isInstanceOf(FinalVerdict.Drop.class);
        assertThat(context.attributes).containsExactly(
                Map.of("rule", "p#inbound-default", "match", "*", "action", "allow"),
                Map.of("rule", "p#default", "match", "*", "action", "drop"),
                context.attributes.get(2));
        assertThat(context.attributes.get(2)).containsEntry("rule", "p#1").containsEntry("action", "drop");
    }

    @Test
    void decidesInlineAndWaitsForTheProcessOnlyWhenARuleNamesOne() throws Exception {
        RulesFilter hostsOnly = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withHost("*.blocked.test")),
                RuleAction.ALLOW, RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.ALLOW, DropMode.RESET);
        SavedRules saved = SavedRules.inMemory();
        SavedRulesFilter filter = new SavedRulesFilter(hostsOnly, saved, "p");
        assertThat(filter.decidesInline()).isTrue();
        assertThat(filter.needsProcess()).isFalse();

        // a saved rule for another profile's program changes nothing here; one for this profile (or every one) does
        saved.add(new SavedRule("r1", RuleAction.DROP, null, Path.of("/usr/bin/curl"), null, null, "other",
                Instant.now(), null, "cli", false));
        assertThat(filter.needsProcess()).isFalse();
        saved.add(new SavedRule("r2", RuleAction.ALLOW, "example.test", null, null, null, "p", Instant.now(), null,
                "cli", false));
        assertThat(filter.needsProcess()).isFalse();
        saved.add(new SavedRule("r3", RuleAction.DROP, null, Path.of("/usr/bin/wget"), null, null, null,
                Instant.now(), null, "cli", false));
        assertThat(filter.needsProcess()).isTrue();
        saved.delete("r3");
        assertThat(filter.needsProcess()).isFalse();

        RulesFilter byProcess = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withProcessPath(Path.of("/usr/bin/nc"))),
                RuleAction.ALLOW, RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.ALLOW, DropMode.RESET);
        assertThat(new SavedRulesFilter(byProcess, SavedRules.inMemory(), "p").needsProcess()).isTrue();
    }
}
