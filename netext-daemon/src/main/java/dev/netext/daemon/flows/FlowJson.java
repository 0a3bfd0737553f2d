package dev.netext.daemon.flows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.events.EventJson;

/**
 * A {@link FlowRecord} as JSON, the same for the control API's {@code flows} op and the dashboard:
 * {@code {"id","profile","state","direction","protocol","local","remote","hostname","hostname_source","process":{"pid",
 * "executable","uid"},"verdict","proxy","bytes_in","bytes_out","opened","prompt":{"deadline","default","outcome"},
 * "decided_by":{"kind","rule","match","action"},"dns_seq","updated_seq"}}; absent values are left out, byte counts are -1 until the flow closed.
 */
public final class FlowJson {
    private FlowJson() {}

    public static ObjectNode toJson(FlowRecord f) {
        ObjectNode o = EventJson.MAPPER.createObjectNode();
        o.put("id", f.id());
        o.put("profile", f.profile());
        o.put("state", f.state());
        o.put("direction", f.direction());
        o.put("protocol", f.protocol());
        o.put("local", f.local());
        o.put("remote", f.remote());
        if (f.hostname() != null) {
            o.put("hostname", f.hostname());
            o.put("hostname_source", f.hostnameSource());
        }
        ObjectNode p = o.putObject("process");
        if (f.pid() != null) p.put("pid", f.pid());
        if (f.executable() != null) p.put("executable", f.executable());
        if (f.uid() != null) p.put("uid", f.uid());
        p.put("label", f.processLabel());
        if (f.verdict() != null) o.put("verdict", f.verdict());
        if (f.decidedBy() != null) {
            ObjectNode d = o.putObject("decided_by").put("kind", f.decidedBy().kind()).put("rule", f.decidedBy().rule());
            if (f.decidedBy().match() != null) d.put("match", f.decidedBy().match()).put("action", f.decidedBy().action());
        } else if (f.verdict() != null && !"paused".equals(f.verdict())) {
            o.putObject("decided_by").put("kind", "profile"); // a custom filter provider: it names no rule
        }
        if (f.proxy() != null) o.put("proxy", f.proxy());
        o.put("bytes_in", f.bytesIn());
        o.put("bytes_out", f.bytesOut());
        o.put("opened", f.opened().toString());
        if (f.prompt() != null) {
            ObjectNode q = o.putObject("prompt");
            if (f.prompt().deadline() != null) q.put("deadline", f.prompt().deadline().toString());
            if (f.prompt().defaultVerdict() != null) q.put("default", f.prompt().defaultVerdict());
            q.put("outcome", f.prompt().outcome());
        }
        if (f.dnsSequence() > 0) o.put("dns_seq", f.dnsSequence());
        o.put("updated_seq", f.updated());
        return o;
    }
}
