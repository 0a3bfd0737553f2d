package dev.netext.flow.rules;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in {@code rules} filter provider: rules are tried in order, the first match decides, else
 * {@code defaultAction} for outbound flows and {@code inboundDefault} for inbound ones (allow unless set: a profile
 * that says nothing about inbound flows never locks anyone out). {@link RuleAction#PROMPT} pauses the flow for {@code promptTimeout} (then
 * {@code promptDefault}) and publishes a {@code filter.prompt} event naming the flow, its host and its process, so a
 * UI can resume it through {@link dev.netext.api.filter.FilterControl#resume}. Allocation per decision: the verdict
 * constants only (prompts build their event).
 */
public final class RulesFilter implements FilterDataProvider {
    private static final Optional<FlowPath> FAST = Optional.of(FlowPath.VERDICT);

    private final List<FlowRule> rules;
    private final List<FlowRule> rulesWithoutProcess; // what each rule may match before the process is known
    private final RuleAction defaultAction, inboundDefault;
    private final Duration promptTimeout;
    private final FinalVerdict promptDefault;
    private final FinalVerdict dropVerdict;
    private final boolean needsProcess;
    private volatile FilterContext context;

    public RulesFilter(List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout, FinalVerdict promptDefault,
                       DropMode dropMode) {
        this(rules, defaultAction, RuleAction.ALLOW, promptTimeout, promptDefault, dropMode);
    }

    /** With {@code inboundDefault} for inbound flows no rule matches (null: allow). */
    public RulesFilter(List<FlowRule> rules, RuleAction defaultAction, RuleAction inboundDefault, Duration promptTimeout,
                       FinalVerdict promptDefault, DropMode dropMode) {
        this.rules = List.copyOf(rules);
        this.rulesWithoutProcess = this.rules.stream().map(FlowRule::withoutProcess).toList();
        this.defaultAction = defaultAction == null ? RuleAction.ALLOW : defaultAction;
        this.inboundDefault = inboundDefault == null ? RuleAction.ALLOW : inboundDefault;
        this.promptTimeout = promptTimeout == null ? Duration.ofSeconds(30) : promptTimeout;
        this.promptDefault = promptDefault == null ? FinalVerdict.DROP : promptDefault;
        this.dropVerdict = dropMode == DropMode.SILENT ? FinalVerdict.DROP_SILENTLY : FinalVerdict.DROP;
        // a prompt names the process to whoever answers it, so it needs one as much as a process selector does
        this.needsProcess = this.rules.stream().anyMatch(r -> r.needsProcess() || r.action() == RuleAction.PROMPT);
        new FilterVerdict.Pause(this.promptTimeout, this.promptDefault); // validates the timeout now, not per flow
    }

    public List<FlowRule> rules() { return rules; }

    /** The first matching rule's action, else the default of the flow's direction. */
    public RuleAction actionFor(Flow flow) {
        return actionAt(ruleIndexFor(flow), flow.direction());
    }

    /**
     * Whether this filter judges inbound flows at all: a {@code direction: in} rule or an inbound default other than
     * allow. Without either, inbound connections are left to the kernel untouched (nothing is queued).
     */
    public boolean judgesInbound() {
        return inboundDefault != RuleAction.ALLOW || rules.stream().anyMatch(r -> r.direction() == Direction.INBOUND);
    }

    /** The index in {@link #rules} of the first rule that matches {@code flow}, or {@link #DEFAULT} when none does. */
    public int ruleIndexFor(Flow flow) {
        for (int i = 0; i < rules.size(); i++) if (rules.get(i).matches(flow)) return i;
        return DEFAULT;
    }

    /** {@link #ruleIndexFor}'s answer when no rule matches: the default action of the flow's direction decides. */
    public static final int DEFAULT = -1;

    /** The action of rule {@code index}, or the outbound default action for {@link #DEFAULT}. */
    public RuleAction actionAt(int index) {
        return actionAt(index, Direction.OUTBOUND);
    }

    /** The action of rule {@code index}, or for {@link #DEFAULT} the default action of {@code direction}. */
    public RuleAction actionAt(int index, Direction direction) {
        if (index != DEFAULT) return rules.get(index).action();
        return direction == Direction.INBOUND ? inboundDefault : defaultAction;
    }

    /** True when a rule selects on the process (path, name, uid, cgroup) or prompts. */
    @Override
    public boolean needsProcess() { return needsProcess; }

    /** A rule walk: no I/O, no locks. */
    @Override
    public boolean decidesInline() { return true; }

    /**
     * The fast path ({@link FlowPath#VERDICT}) unless a prompt may decide the flow: the first rule that may match it
     * (a host rule may, while the flow has no name yet) prompts, or none matches and the default prompts. A prompt
     * pauses for seconds, which only the terminated path holds without the application retransmitting.
     */
    @Override
    public FlowPath pathFor(Flow opening) {
        for (FlowRule r : rules) {
            if (r.matches(opening)) return r.action() == RuleAction.PROMPT ? FlowPath.TERMINATED : FlowPath.VERDICT;
            if (r.action() == RuleAction.PROMPT && r.mayMatch(opening)) return FlowPath.TERMINATED;
        }
        return defaultAction == RuleAction.PROMPT ? FlowPath.TERMINATED : FlowPath.VERDICT;
    }

    /**
     * The fast path when no prompt may decide the flow whatever its process: every prompt rule, its process
     * selectors set aside, cannot match, and neither does a default prompt; a process rule before it only allows or
     * drops, which the fast path does as well. Else empty: {@link #pathFor} decides with the process.
     */
    @Override
    public Optional<FlowPath> pathWithoutProcess(Flow opening) {
        for (int i = 0; i < rules.size(); i++) {
            FlowRule r = rules.get(i);
            if (r.action() == RuleAction.PROMPT) {
                if (rulesWithoutProcess.get(i).mayMatch(opening)) return Optional.empty();
            } else if (!r.needsProcess() && r.matches(opening)) {
                return FAST;
            }
        }
        return defaultAction == RuleAction.PROMPT ? Optional.empty() : FAST;
    }

    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) {
        this.context = context;
    }

    @Override
    public void stopFilter(StopReason reason) {
        context = null;
    }

    @Override
    public FilterVerdict handleNewFlow(Flow flow) {
        return verdictAt(ruleIndexFor(flow), flow);
    }

    /**
     * The verdict of rule {@code index} ({@link #DEFAULT}: the default action) for {@code flow}, publishing the prompt
     * event when it prompts — for a caller that walked the rules itself to say which one decided.
     */
    public FilterVerdict verdictAt(int index, Flow flow) {
        return switch (actionAt(index, flow.direction())) {
            case ALLOW -> FinalVerdict.ALLOW;
            case DROP -> dropVerdict;
            case PROMPT -> {
                FilterContext c = context;
                if (c != null) c.publish("filter.prompt", describe(flow), flow.id());
                yield new FilterVerdict.Pause(promptTimeout, promptDefault);
            }
        };
    }

    static Map<String, String> describe(Flow f) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("remote", f.remote().toString());
        if (f.direction() == Direction.INBOUND) {
            m.put("direction", "in");
            m.put("local", f.local().toString());
        }
        m.put("protocol", f.protocol().name());
        f.hostname().ifPresent(h -> {
            m.put("host", h.hostname());
            m.put("hostSource", h.source().name());
        });
        f.process().pid().ifPresent(p -> m.put("pid", Integer.toString(p)));
        f.process().executable().ifPresent(p -> m.put("executable", p.toString()));
        f.process().uid().ifPresent(u -> m.put("uid", Long.toString(u)));
        return m;
    }
}
