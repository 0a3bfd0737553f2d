package dev.netext.daemon.interception;

import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.flows.FlowTable;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The profile's rules filter with the daemon's saved rules (prompt answers, {@code netext rules add}) tried first: a
 * flow a saved rule matches is allowed or dropped without a prompt; every other flow is decided by the profile's rules.
 * Either way the deciding rule is named just before the verdict ({@link SavedRules#DECIDED_MESSAGE},
 * {@link FlowTable#PROFILE_RULE_MESSAGE}), so the flow table, events and dashboard show which rule decided.
 */
final class SavedRulesFilter implements FilterDataProvider {
    private final RulesFilter rules;
    private final SavedRules saved;
    private final String profile;
    private final List<Map<String, String>> decidedBy; // [0]: the default; [i]: rule i (from 1, as PROFILE#i names it)
    private final Map<String, String> decidedByInboundDefault; // an inbound flow no rule matched
    private volatile FilterContext context;

    SavedRulesFilter(RulesFilter rules, SavedRules saved, String profile) {
        this.rules = rules;
        this.saved = saved;
        this.profile = profile;
        this.decidedBy = describe(rules, profile);
        this.decidedByInboundDefault = Map.of("rule", profile + "#inbound-default", "match", "*", "action",
                name(rules.actionAt(RulesFilter.DEFAULT, Direction.INBOUND)));
    }

    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) {
        this.context = context;
        rules.startFilter(context, options);
    }

    @Override
    public void stopFilter(StopReason reason) {
        context = null;
        rules.stopFilter(reason);
    }

    /**
     * Decided by lookups in memory (the saved rules' list, then the profile's rules) and two events: on the flow's own
     * I/O thread, as the rules filter alone is. Without this, every flow of a {@code netext up} or daemon profile took
     * two thread hops for its verdict (to the decision pool and back), each a wake-up.
     */
    @Override
    public boolean decidesInline() { return rules.decidesInline(); }

    /**
     * Whether a rule looks at the process: the profile's, or a saved rule that names a program (a prompt's answer, say).
     * Asked per flow, so a rule saved later counts from the next flow on (one being decided as it is saved may be
     * decided without its process).
     */
    @Override
    public boolean needsProcess() { return rules.needsProcess() || saved.namesProcess(profile); }

    /** The rules filter's path: a saved rule only allows or drops, which the fast path does as well. */
    @Override
    public FlowPath pathFor(Flow opening) { return rules.pathFor(opening); }

    @Override
    public Optional<FlowPath> pathWithoutProcess(Flow opening) { return rules.pathWithoutProcess(opening); }

    @Override
    public FilterVerdict handleNewFlow(Flow flow) {
        SavedRule r = saved.decide(profile, flow);
        if (r != null) {
            FilterContext c = context;
            // names the deciding rule for the flow table, ahead of the verdict
            if (c != null) c.publish(SavedRules.DECIDED_MESSAGE, Map.of("rule", r.id(), "action", r.actionName()), flow.id());
            return r.action() == RuleAction.ALLOW ? FinalVerdict.ALLOW : FinalVerdict.DROP;
        }
        int index = rules.ruleIndexFor(flow);
        FilterContext c = context;
        if (c != null) c.publish(FlowTable.PROFILE_RULE_MESSAGE, index == RulesFilter.DEFAULT
                && flow.direction() == Direction.INBOUND ? decidedByInboundDefault : decidedBy.get(index + 1), flow.id());
        return rules.verdictAt(index, flow);
    }

    /**
     * The {@link FlowTable#PROFILE_RULE_MESSAGE} attributes of the default (first) and of each rule, made once: a
     * decision allocates nothing for them.
     */
    private static List<Map<String, String>> describe(RulesFilter rules, String profile) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(Map.of("rule", profile + "#default", "match", "*", "action", name(rules.actionAt(RulesFilter.DEFAULT))));
        for (int i = 0; i < rules.rules().size(); i++) {
            FlowRule r = rules.rules().get(i);
            out.add(Map.of("rule", profile + "#" + (i + 1), "match", r.describe(), "action", name(r.action())));
        }
        return List.copyOf(out);
    }

    private static String name(RuleAction a) {
        return a.name().toLowerCase(Locale.ROOT);
    }
}
