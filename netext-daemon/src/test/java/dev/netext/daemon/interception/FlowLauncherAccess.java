package dev.netext.daemon.interception;

import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.RulesFilter;

/** Opens the package-private saved-rules filter to tests in other packages. */
public final class FlowLauncherAccess {
    private FlowLauncherAccess() {}

    public static FilterDataProvider savedRulesFilter(RulesFilter rules, SavedRules saved, String profile) {
        return new SavedRulesFilter(rules, saved, profile);
    }
}
