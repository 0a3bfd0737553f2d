package dev.netext.daemon.flows;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.flow.naming.AddressNames;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Links a flow to the DNS answer that named it. A DNS answer is published when the query is answered, before the
 * client connects, and carries the query's own flow id, not the connection's; so, in front of a flow engine's
 * {@code FlowOpened}, this sink publishes a {@code dns.answer} message <em>with the connection's flow id</em> when
 * the DNS map knows the flow's remote address under the flow's hostname:
 *
 * <pre>
 *   seq n    DnsQueried        flow = the query's id         name, answers, server
 *   seq n+k  ProviderMessage   flow = the connection's id    message_type dns.answer, attributes {dns_seq: n, name, …}
 *   seq n+k+1 FlowOpened       flow = the connection's id
 * </pre>
 *
 * so {@code netext events --flow ID} reads DNS answer → flow open → verdict → close in sequence order, and
 * {@code dns_seq} points at the answer itself. Documented in {@code docs/events.schema.json}.
 */
public final class DnsAnswerLinker implements EventSink {
    public static final String MESSAGE_TYPE = "dns.answer";

    private final EventSink next;
    private final AddressNames names;
    private final RecentDnsAnswers answers;

    public DnsAnswerLinker(EventSink next, AddressNames names, RecentDnsAnswers answers) {
        this.next = next;
        this.names = names;
        this.answers = answers;
    }

    @Override
    public void accept(ProviderEvent event) {
        if (event instanceof ProviderEvent.FlowOpened o) {
            ProviderEvent link = link(o);
            if (link != null) next.accept(link);
        }
        next.accept(event);
    }

    private ProviderEvent link(ProviderEvent.FlowOpened o) {
        Flow f = o.flow();
        HostnameInfo h = f.hostname().orElse(null);
        if (h == null || !names.namesOf(f.remote().address()).contains(h.hostname())) return null;
        ProviderEvent.DnsQueried q = answers.lastAnswer(h.hostname());
        if (q == null) return null;
        Map<String, String> a = new LinkedHashMap<>();
        a.put("dns_seq", Long.toString(q.sequence()));
        a.put("dns_flow", Long.toString(q.flowId()));
        a.put("dns_provider", q.provider());
        a.put("name", q.query().name());
        a.put("qtype", q.query().type().toString());
        a.put("remote", f.remote().toString());
        a.put("hostname_source", h.source().name().toLowerCase(Locale.ROOT));
        if (!q.server().isEmpty()) a.put("server", q.server());
        // numbered by the log like the FlowOpened that follows; sequence 0 is replaced there
        return new ProviderEvent.ProviderMessage(0, o.monotonicNanos(), o.provider(), f.id(), MESSAGE_TYPE, a);
    }
}
