package dev.netext.api.filter;

import dev.netext.api.flow.Flow;

import java.util.List;

/**
 * Which flows reach a {@link FilterDataProvider}: {@code NEFilterSettings}. Rules are tried in order and the first
 * match decides; a flow matching none gets {@code defaultAction}. Flows decided {@link FilterAction#ALLOW} or
 * {@link FilterAction#DROP} here never leave the kernel fast path, so a filter interested in a few destinations costs
 * the rest of the system nothing. Applied with {@link FilterControl#applySettings}.
 */
public record FilterSettings(List<FilterRule> rules, FilterAction defaultAction) {

    /** Every flow goes to the provider: what a filter gets before it applies settings. */
    public static final FilterSettings FILTER_ALL = new FilterSettings(List.of(), FilterAction.FILTER_DATA);

    public FilterSettings {
        rules = List.copyOf(rules);
        if (defaultAction == null) throw new IllegalArgumentException("defaultAction is null");
    }

    /** The action for {@code flow}: the first matching rule's, else the default. */
    public FilterAction actionFor(Flow flow) {
        for (FilterRule r : rules) if (r.match().matches(flow)) return r.action();
        return defaultAction;
    }
}
