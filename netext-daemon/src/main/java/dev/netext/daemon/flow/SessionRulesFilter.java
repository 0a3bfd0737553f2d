package dev.netext.daemon.flow;

import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RulesFilter;

import java.util.List;
import java.util.Map;

/**
 * The profile's rules filter with the daemon's session rules ("allow always" answers) tried first: a flow a session
 * rule matches is allowed without a prompt; every other flow is decided by the profile's rules.
 */
final class SessionRulesFilter implements FilterDataProvider {
    private final RulesFilter rules;
    private final List<FlowRule> session;

    SessionRulesFilter(RulesFilter rules, List<FlowRule> session) {
        this.rules = rules;
        this.session = session;
    }

    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) { rules.startFilter(context, options); }

    @Override
    public void stopFilter(StopReason reason) { rules.stopFilter(reason); }

    @Override
    public FilterVerdict handleNewFlow(Flow flow) {
        for (FlowRule r : session) if (r.matches(flow)) return FinalVerdict.ALLOW;
        return rules.handleNewFlow(flow);
    }
}
