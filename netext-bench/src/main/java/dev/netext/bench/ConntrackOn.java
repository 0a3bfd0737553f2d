package dev.netext.bench;

import dev.netext.linux.netns.NetworkNamespace;

/**
 * Conntrack tracking a namespace's connections while open: an nft table with one {@code ct} rule on output, removed
 * on close. The "direct with conntrack on" runs beside the direct ones: netext's fast-path rules need conntrack (its
 * marks live in the connections), a namespace without netext has none, so part of what the fast path costs against
 * direct is conntrack's own, which these runs show apart.
 */
final class ConntrackOn implements AutoCloseable {
    private static final String TABLE = "netext-bench-ct";
    private final NetworkNamespace ns;

    private ConntrackOn(NetworkNamespace ns) {
        this.ns = ns;
    }

    static ConntrackOn in(NetworkNamespace ns) throws Exception {
        ns.run("nft", "add", "table", "inet", TABLE).orThrow();
        ConntrackOn on = new ConntrackOn(ns);
        try {
            ns.run("nft", "add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; policy accept; }").orThrow();
            ns.run("nft", "add", "rule", "inet", TABLE, "out", "ct", "state", "new", "counter").orThrow();
            return on;
        } catch (Exception | Error e) {
            on.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        ns.run("nft", "delete", "table", "inet", TABLE);
    }
}
