package dev.netext.api.ondemand;

import java.util.List;
import java.util.Optional;

/**
 * A rule deciding whether a tunnel or app proxy should be up: {@code NEOnDemandRule}. A profile's rules are
 * evaluated in order whenever the network changes and the first whose {@link #match()} holds decides
 * ({@link OnDemandEvaluator}); if none matches, on-demand leaves the provider as it is.
 */
public sealed interface OnDemandRule {

    OnDemandMatch match();

    /** Bring the provider up and keep it up: {@code NEOnDemandRuleConnect}. */
    record Connect(OnDemandMatch match) implements OnDemandRule {
        public Connect { if (match == null) match = OnDemandMatch.ANY; }
    }

    /** Take the provider down and keep it down: {@code NEOnDemandRuleDisconnect}. */
    record Disconnect(OnDemandMatch match) implements OnDemandRule {
        public Disconnect { if (match == null) match = OnDemandMatch.ANY; }
    }

    /**
     * Decide per connection attempt by its hostname: {@code NEOnDemandRuleEvaluateConnection}. The host watches DNS
     * queries; the first {@link EvaluationRule} covering the queried name decides, and a name no rule covers leaves
     * the provider as it is.
     */
    record EvaluateConnection(OnDemandMatch match, List<EvaluationRule> rules) implements OnDemandRule {
        public EvaluateConnection {
            if (match == null) match = OnDemandMatch.ANY;
            rules = List.copyOf(rules);
            if (rules.isEmpty()) throw new IllegalArgumentException("EvaluateConnection needs at least one rule");
        }

        /** The first rule covering {@code hostname}. */
        public Optional<EvaluationRule> ruleFor(String hostname) {
            return rules.stream().filter(r -> r.covers(hostname)).findFirst();
        }
    }

    /** Leave the provider in whatever state it is: {@code NEOnDemandRuleIgnore}. Stops evaluation of later rules. */
    record Ignore(OnDemandMatch match) implements OnDemandRule {
        public Ignore { if (match == null) match = OnDemandMatch.ANY; }
    }
}
