package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.PortRange;
import dev.netext.api.net.IpPrefix;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.PromptResponder;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers prompts: finds the filter that paused the flow (the flow's profile), notes the answer in the flow table,
 * saves the rule of an "always", "for an hour" or "until restart" answer, and resumes the flow through the filter's {@code FilterControl}. Each
 * answer is also an event ({@code prompt.answered}, with the flow id) in the log.
 */
final class PromptAnswers implements PromptResponder {
    private final Supervisor supervisor;
    private final FlowServices flows;
    private final EventLog events;
    private final SavedRulesKeeper saved;

    PromptAnswers(Supervisor supervisor, FlowServices flows, EventLog events, SavedRulesKeeper saved) {
        this.supervisor = supervisor;
        this.flows = flows;
        this.events = events;
        this.saved = saved;
    }

    @Override
    public Outcome answer(long flowId, PromptAnswer answer) {
        FlowRecord f = flows.table().get(flowId);
        if (f == null) return Outcome.UNKNOWN_FLOW;
        FilterComponent filter;
        try {
            filter = supervisor.components(f.profile()).stream().filter(FilterComponent.class::isInstance)
                    .map(FilterComponent.class::cast).findFirst().orElse(null);
        } catch (UnknownProfileException e) {
            return Outcome.NOT_PAUSED; // the profile was removed: its flows are gone
        }
        if (filter == null || !flows.table().noteAnswer(flowId, answer)) return Outcome.NOT_PAUSED;
        boolean resumed = filter.resume(flowId, answer.allows() ? FinalVerdict.ALLOW : FinalVerdict.DROP);
        if (!resumed) {
            flows.table().clearAnswer(flowId);
            return Outcome.NOT_PAUSED;
        }
        saved.answered(f, answer); // after the resume: a flow that was no longer paused leaves no rule
        Map<String, String> a = new LinkedHashMap<>();
        a.put("answer", answer.wireName());
        if (f.hostname() != null) a.put("host", f.hostname());
        if (f.executable() != null) a.put("executable", f.executable());
        events.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, f.profile(), flowId, "prompt.answered", a));
        return Outcome.RESUMED;
    }

    /**
     * What an "always" answer covers: the flow's host and process when known (both must match), else its remote address
     * and port — never more than the person saw.
     */
    static FlowRule sessionRule(FlowRecord f) {
        if ("in".equals(f.direction())) return inboundRule(f);
        FlowRule r = FlowRule.of(RuleAction.ALLOW);
        if (f.hostname() != null) r = r.withHost(f.hostname());
        if (f.executable() != null) r = r.withProcessPath(Path.of(f.executable()));
        if (f.hostname() == null) {
            int colon = f.remote().lastIndexOf(':');
            InetAddress a = IpPrefix.parseAddress(f.remote().substring(0, colon).replace("[", "").replace("]", ""));
            int port = Integer.parseInt(f.remote().substring(colon + 1));
            r = r.withCidr(new IpPrefix(a, a.getAddress().length * 8)).withPort(new PortRange(port, port));
        }
        return r;
    }

    /** An inbound prompt's answer: this client to this service of this server. */
    private static FlowRule inboundRule(FlowRecord f) {
        FlowRule r = FlowRule.of(RuleAction.ALLOW).withDirection(Direction.INBOUND);
        if (f.executable() != null) r = r.withProcessPath(Path.of(f.executable()));
        int colon = f.remote().lastIndexOf(':');
        InetAddress a = IpPrefix.parseAddress(f.remote().substring(0, colon).replace("[", "").replace("]", ""));
        int port = Integer.parseInt(f.local().substring(f.local().lastIndexOf(':') + 1));
        return r.withCidr(new IpPrefix(a, a.getAddress().length * 8)).withPort(new PortRange(port, port));
    }
}
