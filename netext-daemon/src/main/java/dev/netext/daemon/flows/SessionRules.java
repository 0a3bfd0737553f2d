package dev.netext.daemon.flows;

import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Allow rules added by answering a prompt "allow always", per profile, for the daemon's lifetime: they outlive a
 * reload or restart of the profile's filter, not the daemon (a permanent rule belongs in the profile file).
 */
public final class SessionRules {
    private final Map<String, List<FlowRule>> byProfile = new ConcurrentHashMap<>();

    /** The live list of {@code profile}'s session rules (the filter reads it per flow). */
    public List<FlowRule> of(String profile) {
        return byProfile.computeIfAbsent(profile, _ -> new CopyOnWriteArrayList<>());
    }

    public void add(String profile, FlowRule rule) {
        if (rule.action() != RuleAction.ALLOW) throw new IllegalArgumentException("session rules only allow");
        List<FlowRule> l = of(profile);
        if (!l.contains(rule)) l.add(rule);
    }
}
