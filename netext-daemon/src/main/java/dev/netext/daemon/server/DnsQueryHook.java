package dev.netext.daemon.server;

/**
 * What the DNS layer calls for every query it sees, so on-demand rules of kind evaluate-connection can bring a tunnel
 * up for the names they list ({@code NEOnDemandRuleEvaluateConnection}). Must return at once: it is called on the
 * DNS hot path.
 */
@FunctionalInterface
public interface DnsQueryHook {
    DnsQueryHook NONE = _ -> {};

    /** @param name the queried name, normalized (lower case, no trailing dot) */
    void onDnsQuery(String name);
}
