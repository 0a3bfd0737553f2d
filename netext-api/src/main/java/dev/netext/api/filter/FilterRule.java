package dev.netext.api.filter;

import dev.netext.api.flow.NetworkRule;

/** A network rule and what to do with the flows it matches: {@code NEFilterRule}. */
public record FilterRule(NetworkRule match, FilterAction action) {
    public FilterRule {
        if (match == null || action == null) throw new IllegalArgumentException("match and action are required");
    }
}
