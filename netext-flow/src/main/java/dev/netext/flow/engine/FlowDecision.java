package dev.netext.flow.engine;

import dev.netext.api.filter.FilterAction;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new-flow decision for TCP ({@link InterceptedFlow}) and UDP ({@link InterceptedUdpFlow}) flows: the filter
 * settings first, then the provider ({@code NeedRules} → {@code fetchRules} → ask once more → fallback). {@link #ask}
 * may block (fetching rules): it runs on a decider thread; {@link #safely} alone is what an inline decision calls.
 */
final class FlowDecision {
    private static final Logger log = LoggerFactory.getLogger(FlowDecision.class);

    private FlowDecision() {}

    static FilterVerdict ask(FlowEngine engine, Flow f) {
        FilterAction action = engine.settings().actionFor(f);
        if (action == FilterAction.ALLOW) return FinalVerdict.ALLOW;
        if (action == FilterAction.DROP) return FinalVerdict.DROP;
        FilterDataProvider p = engine.provider();
        FilterVerdict v = safely(p, f);
        if (v instanceof FilterVerdict.NeedRules nr) {
            try {
                p.fetchRules(f);
                v = safely(p, f);
            } catch (Exception e) {
                return nr.fallback();
            }
            if (v instanceof FilterVerdict.NeedRules) return nr.fallback();
        }
        return v;
    }

    /** The provider's verdict; a throw or null is allow (the profile's failure verdict; allow by default). */
    static FilterVerdict safely(FilterDataProvider p, Flow f) {
        try {
            FilterVerdict v = p.handleNewFlow(f);
            return v == null ? FinalVerdict.ALLOW : v;
        } catch (RuntimeException e) {
            log.warn("filter threw on flow {}: {}", f.id(), e.toString());
            return FinalVerdict.ALLOW; // the profile's failure verdict; allow by default
        }
    }
}
