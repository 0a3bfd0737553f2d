package dev.netext.flow.rules;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in {@code rules} filter provider: rules are tried in order, the first match decides, else
 * {@code defaultAction}. {@link RuleAction#PROMPT} pauses the flow for {@code promptTimeout} (then
 * {@code promptDefault}) and publishes a {@code filter.prompt} event naming the flow, its host and its process, so a
 * UI can resume it through {@link dev.netext.api.filter.FilterControl#resume}. Allocation per decision: the verdict
 * constants only (prompts build their event).
 */
public final class RulesFilter implements FilterDataProvider {
    private final List<FlowRule> rules;
    private final RuleAction defaultAction;
    private final Duration promptTimeout;
    private final FinalVerdict promptDefault;
    private final FinalVerdict dropVerdict;
    private final boolean needsProcess;
    private volatile FilterContext context;

    public RulesFilter(List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout, FinalVerdict promptDefault,
                       DropMode dropMode) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction == null ? RuleAction.ALLOW : defaultAction;
        this.promptTimeout = promptTimeout == null ? Duration.ofSeconds(30) : promptTimeout;
        this.promptDefault = promptDefault == null ? FinalVerdict.DROP : promptDefault;
        this.dropVerdict = dropMode == DropMode.SILENT ? FinalVerdict.DROP_SILENTLY : FinalVerdict.DROP;
        // a prompt names the process to whoever answers it, so it needs one as much as a process selector does
        this.needsProcess = this.rules.stream().anyMatch(r -> r.needsProcess() || r.action() == RuleAction.PROMPT);
        new FilterVerdict.Pause(this.promptTimeout, this.promptDefault); // validates the timeout now, not per flow
    }

    public List<FlowRule> rules() { return rules; }

    /** The first matching rule's action, else the default. */
    public RuleAction actionFor(Flow flow) {
        for (FlowRule r : rules) if (r.matches(flow)) return r.action();
        return defaultAction;
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
        return switch (actionFor(flow)) {
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
