package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.flow.Flow;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyRoute;
import dev.netext.flow.proxy.FlowProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy stage of the pipeline (filter → proxies in order → direct): offers an allowed flow to each proxy whose
 * rules select it, in {@link ProxyChain} order, until one claims or rejects it; a flow every proxy declined goes
 * direct. Each offer is a {@code FlowVerdict} event from that proxy (its {@link ClaimDecision}), and the outcome one
 * {@code FlowVerdict} from the engine with a {@link ProxyRoute}.
 */
final class ProxyWalk {
    private static final Logger log = LoggerFactory.getLogger(ProxyWalk.class);

    /** Where a flow goes: through {@code proxy}, direct (both null), or nowhere ({@code reject} set). */
    record Outcome(FlowProxy proxy, DropMode reject) {
        static final Outcome DIRECT = new Outcome(null, null);
    }

    private final ProxyChain chain;
    private final Map<String, FlowProxy> byName = new HashMap<>();

    ProxyWalk(List<FlowProxy> proxies) {
        this.chain = new ProxyChain(proxies.stream().map(FlowProxy::member).toList());
        for (FlowProxy p : proxies) byName.put(p.member().provider(), p);
    }

    boolean isEmpty() { return chain.members().isEmpty(); }

    ProxyChain chain() { return chain; }

    Outcome route(Flow flow, FlowEvents events) {
        Outcome outcome = Outcome.DIRECT;
        for (ProxyChain.Member m : chain.candidates(flow)) {
            FlowProxy p = byName.get(m.provider());
            long t0 = System.nanoTime();
            ClaimDecision d;
            try {
                d = p.handleNewFlow(flow);
                if (d == null) d = ClaimDecision.DECLINE;
            } catch (RuntimeException e) {
                log.warn("proxy {} threw on flow {}: {}", m.provider(), flow.id(), e.toString());
                d = ClaimDecision.DECLINE;
            }
            events.verdict(m.provider(), flow.id(), d, System.nanoTime() - t0);
            if (d instanceof ClaimDecision.Claim) {
                outcome = new Outcome(p, null);
                break;
            }
            if (d instanceof ClaimDecision.Reject r) {
                outcome = new Outcome(null, r.mode());
                break;
            }
        }
        if (outcome.reject() == null)
            events.verdict(flow.id(), outcome.proxy() == null ? ProxyRoute.DIRECT
                    : ProxyRoute.via(outcome.proxy().member().provider()), 0);
        return outcome;
    }
}
