package dev.netext.api.ondemand;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Evaluates a profile's on-demand rules: in order, first match wins, as NE does. Pure apart from the probe, which
 * the caller supplies (the host does an HTTP GET with the bypass mark; a test answers from a map), so profiles can
 * be checked without a network.
 */
public final class OnDemandEvaluator {
    private final List<OnDemandRule> rules;
    private final Predicate<URI> probe;

    /** @param probe answers whether a probe URL returned HTTP 200 */
    public OnDemandEvaluator(List<OnDemandRule> rules, Predicate<URI> probe) {
        this.rules = List.copyOf(rules);
        if (probe == null) throw new IllegalArgumentException("probe is null");
        this.probe = probe;
    }

    public List<OnDemandRule> rules() { return rules; }

    /** The first rule whose conditions hold in {@code state}; empty if none does. */
    public Optional<OnDemandRule> firstMatch(NetworkState state) {
        for (OnDemandRule r : rules) if (r.match().matches(state, probe)) return Optional.of(r);
        return Optional.empty();
    }
}
