package dev.netext.cli;

import dev.netext.api.ProviderEvent;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxyRoute;
import dev.netext.daemon.flows.FlowTable;


/**
 * One console line per flow event for {@code netext up --log}:
 * {@code flow 7 opened 10.77.0.2:443 x.blocked.test (TLS_SNI) by /usr/bin/curl pid 1234 uid 0},
 * {@code flow 7 verdict Drop[mode=RESET] in 0.1 ms}, {@code flow 7 proxy corp claim}, {@code flow 7 route proxy corp}
 * (or {@code route direct}), {@code flow 7 closed in 0 out 517}. An inbound flow (another host connecting to a
 * local service; the process is the server) opens as
 * {@code flow 8 opened in tcp 10.77.0.9:51000 to 10.77.0.2:8000 by /usr/bin/python3.13 pid 99 uid 0}.
 */
final class FlowLogLine {
    private FlowLogLine() {}

    static String format(ProviderEvent e) {
        return switch (e) {
            case ProviderEvent.FlowOpened o -> "flow " + o.flowId() + " opened " + describe(o.flow());
            case ProviderEvent.FlowVerdict v when v.verdict() instanceof ProxyRoute r ->
                    "flow " + v.flowId() + " route " + r;
            case ProviderEvent.FlowVerdict v when v.verdict() instanceof ClaimDecision d ->
                    "flow " + v.flowId() + " proxy " + v.provider() + " " + d.getClass().getSimpleName().toLowerCase();
            case ProviderEvent.FlowVerdict v -> "flow " + v.flowId() + " verdict " + v.verdict()
                    + String.format(" in %.2f ms", v.latencyNanos() / 1e6);
            case ProviderEvent.FlowClosed c -> "flow " + c.flowId() + " closed in " + c.inboundBytes() + " out " + c.outboundBytes();
            case ProviderEvent.ProviderMessage m when m.type().equals("proxy.failed") -> "flow " + m.flowId()
                    + " proxy " + m.attributes().get("proxy") + " failed: " + m.attributes().get("reason");
            case ProviderEvent.ProviderMessage m when m.type().equals("filter.prompt") -> "flow " + m.flowId() + " prompt " + m.attributes();
            case ProviderEvent.ProviderMessage m when m.type().equals(FlowTable.PROFILE_RULE_MESSAGE) -> "flow " + m.flowId()
                    + " rule " + m.attributes().get("rule") + " (" + m.attributes().get("match") + " → " + m.attributes().get("action") + ")";
            default -> null;
        };
    }

    static String describe(Flow f) {
        StringBuilder sb = new StringBuilder(f.direction() == Direction.INBOUND ? "in " : "")
                .append(f.protocol().name().toLowerCase()).append(' ').append(f.remote());
        if (f.direction() == Direction.INBOUND) sb.append(" to ").append(f.local());
        f.hostname().ifPresent(h -> sb.append(' ').append(h));
        f.process().executable().ifPresent(p -> sb.append(" by ").append(p));
        f.process().pid().ifPresent(p -> sb.append(" pid ").append(p));
        f.process().uid().ifPresent(u -> sb.append(" uid ").append(u));
        return sb.toString();
    }
}
