package dev.netext.flow.engine;

import dev.netext.api.filter.FilterAction;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decide step of the {@link FlowPipeline}: the filter settings first, then the provider ({@code NeedRules} →
 * {@code fetchRules} → ask once more → fallback). {@link #ask} may block (fetching rules): it runs on the decision
 * pool; {@link #inline} never fetches: the event loop asks a filter that decides inline with it.
 */
final class FlowDecision {
    private static final Logger log = LoggerFactory.getLogger(FlowDecision.class);

    private FlowDecision() {}

    static FilterVerdict ask(FlowEngine engine, Flow f) {
        return rulesIfNeeded(engine, f, inline(engine, f));
    }

    /** {@code first}, or when it is {@code NeedRules}: fetch the rules, ask once more, else its fallback. */
    static FilterVerdict rulesIfNeeded(FlowEngine engine, Flow f, FilterVerdict first) {
        if (!(first instanceof FilterVerdict.NeedRules nr)) return first;
        FilterDataProvider p = engine.provider();
        FilterVerdict v;
        try {
            p.fetchRules(f);
            v = safely(p, f);
        } catch (Exception e) {
            return nr.fallback();
        }
        return v instanceof FilterVerdict.NeedRules ? nr.fallback() : v;
    }

    /** The settings, then the provider's first answer (a {@code NeedRules} included); never blocks on rules. */
    static FilterVerdict inline(FlowEngine engine, Flow f) {
        FilterAction action = engine.settings().actionFor(f);
        if (action == FilterAction.ALLOW) return FinalVerdict.ALLOW;
        if (action == FilterAction.DROP) return FinalVerdict.DROP;
        return safely(engine.provider(), f);
    }

    /** The provider's verdict; a throw or null is allow (the profile's failure verdict; allow by default). */
    private static FilterVerdict safely(FilterDataProvider p, Flow f) {
        try {
            FilterVerdict v = p.handleNewFlow(f);
            return v == null ? FinalVerdict.ALLOW : v;
        } catch (RuntimeException e) {
            log.warn("filter threw on flow {}: {}", f.id(), e.toString());
            return FinalVerdict.ALLOW; // the profile's failure verdict; allow by default
        }
    }
}
