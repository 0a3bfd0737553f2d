package dev.netext.daemon.flow;

import dev.netext.api.filter.FilterDataProvider;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RulesFilter;

import java.util.List;

/** Opens the package-private session-rules filter to tests in other packages. */
public final class FlowLauncherAccess {
    private FlowLauncherAccess() {}

    public static FilterDataProvider sessionRulesFilter(RulesFilter rules, List<FlowRule> session) {
        return new SessionRulesFilter(rules, session);
    }
}
