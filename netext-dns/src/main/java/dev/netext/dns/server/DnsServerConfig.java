package dev.netext.dns.server;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import dev.netext.dns.intercept.DnsInterception;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.dns.upstream.UpstreamFactory;
import dev.netext.linux.state.StateLedger;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a {@link DnsProxyServer} runs: what it listens on, its server groups, cache, client policy and timeouts.
 * Built with {@link #builder}; every setting has a default that suits a host-local resolver.
 *
 * @param listen              UDP and TCP on each (port 0: an ephemeral port, for tests)
 * @param groups              server groups by name, in declaration order; each an ordered failover list
 * @param defaultGroup        where {@link dev.netext.api.dns.DnsDecision.Default} goes
 * @param trustedGroups       groups whose AD bit is passed on
 * @param cacheEntries        0 disables the cache
 * @param cacheBytes          the cache's byte bound (off-heap)
 * @param maxTtl              longest time an answer is cached, seconds
 * @param serveStale          RFC 8767 serve-stale
 * @param staleSeconds        how long past expiry a stale answer may be served
 * @param allow               client prefixes allowed besides loopback and own addresses
 * @param rateLimitQps        per-client queries per second for non-loopback clients; 0 off
 * @param rateLimitBurst      per-client burst
 * @param attemptTimeoutMillis one upstream attempt
 * @param queryTimeoutMillis  a whole query, all failovers included; then SERVFAIL
 * @param ioThreads           event loops (UDP listeners per address use SO_REUSEPORT, one per loop)
 * @param forwardClientSubnet pass the client's EDNS client-subnet option upstream (off: stripped, RFC 7871 §7.1.2)
 * @param resolvConf          where {@code system} servers are read from
 * @param bypassMark          SO_MARK for upstream sockets; 0 none
 * @param nameMapEntries      bound of the address → hostname map
 * @param tlsCaFile           CA certificates (PEM) DoT and DoH upstreams trust besides the JDK's store; null none
 * @param intercept           redirect this network namespace's port-53 traffic to the listeners (nftables)
 * @param ledgerDir           where the interception's state ledger lives
 * @param attributionHoldMillis when the querying process is wanted (events, a typed provider): the first answer to a
 *                            client socket not seen before is held while its process is named (a one-shot client
 *                            exits as soon as it has its answer), until attribution has spent this much CPU time on
 *                            it (or 1 s of wall time passed, {@link HoldBound}); 0 never holds
 */
public record DnsServerConfig(
        List<Endpoint> listen,
        Map<String, List<ServerSpec>> groups,
        String defaultGroup,
        Set<String> trustedGroups,
        int cacheEntries,
        long cacheBytes,
        long maxTtl,
        boolean serveStale,
        long staleSeconds,
        List<IpPrefix> allow,
        long rateLimitQps,
        long rateLimitBurst,
        long attemptTimeoutMillis,
        long queryTimeoutMillis,
        int ioThreads,
        boolean forwardClientSubnet,
        Path resolvConf,
        int bypassMark,
        int nameMapEntries,
        Path tlsCaFile,
        boolean intercept,
        Path ledgerDir,
        long attributionHoldMillis) {

    public DnsServerConfig {
        listen = List.copyOf(listen);
        if (listen.isEmpty()) throw new IllegalArgumentException("nothing to listen on");
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        trustedGroups = Set.copyOf(trustedGroups);
        allow = List.copyOf(allow);
        if (cacheEntries < 0) throw new IllegalArgumentException("cache entries must be 0 or more, not " + cacheEntries);
        if (ioThreads < 1) throw new IllegalArgumentException("I/O threads must be 1 or more, not " + ioThreads);
        if (attemptTimeoutMillis < 1) throw new IllegalArgumentException("the attempt timeout must be 1 ms or more, not " + attemptTimeoutMillis);
        if (queryTimeoutMillis < attemptTimeoutMillis)
            throw new IllegalArgumentException("the query timeout (" + queryTimeoutMillis + " ms) is shorter than one attempt (" + attemptTimeoutMillis + " ms)");
        if (rateLimitQps < 0 || rateLimitBurst < 0) throw new IllegalArgumentException("the rate limit must be 0 (off) or more, not " + rateLimitQps);
        if (attributionHoldMillis < 0 || attributionHoldMillis > MAX_ATTRIBUTION_HOLD_MILLIS)
            throw new IllegalArgumentException("attribution hold must be 0.." + MAX_ATTRIBUTION_HOLD_MILLIS + " ms, not " + attributionHoldMillis);
    }

    public static Builder builder() { return new Builder(); }

    /**
     * Default bound on the hold of a new client socket's first answer, in attribution CPU time. The answer leaves as
     * soon as the client is named — measured 3–5 ms wall for a one-shot dig on this 2-core machine at load 6–8, more
     * while the JIT is cold (docs/PERFORMANCE.md) — so the bound only matters when naming itself is slow; time the
     * attribution worker waits for a core on a loaded machine does not count against it.
     */
    public static final long DEFAULT_ATTRIBUTION_HOLD_MILLIS = 20;
    /** On an idle machine a hold is a delay a client sees: never more than this. */
    public static final long MAX_ATTRIBUTION_HOLD_MILLIS = 100;

    /** Bytes per cached answer the default byte bound allows for (answers average 60–150 bytes plus 40 of bookkeeping). */
    public static final long DEFAULT_BYTES_PER_ENTRY = 256;

    public static final class Builder {
        private List<Endpoint> listen = List.of(Endpoint.parse("127.0.0.1:53"));
        private final Map<String, List<ServerSpec>> groups = new LinkedHashMap<>();
        private String defaultGroup = "system";
        private Set<String> trusted = Set.of();
        private int cacheEntries = 10_000;
        private long cacheBytes = -1;
        private long maxTtl = 86_400;
        private boolean serveStale;
        private long staleSeconds = 86_400;
        private List<IpPrefix> allow = List.of();
        private long rateLimitQps = 1000;
        private long rateLimitBurst = 2000;
        private long attemptTimeoutMillis = 1000;
        private long queryTimeoutMillis = 3000;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private boolean forwardClientSubnet;
        private Path resolvConf = UpstreamFactory.RESOLV_CONF;
        private int bypassMark;
        private int nameMapEntries = 65_536;
        private Path tlsCaFile;
        private boolean intercept;
        private Path ledgerDir = StateLedger.DEFAULT_DIR;
        private long attributionHoldMillis = DEFAULT_ATTRIBUTION_HOLD_MILLIS;

        public Builder listen(List<Endpoint> v) { listen = v; return this; }
        public Builder group(String name, List<ServerSpec> servers) { groups.put(name, List.copyOf(servers)); return this; }
        public Builder defaultGroup(String v) { defaultGroup = v; return this; }
        public Builder trustedGroups(Set<String> v) { trusted = v; return this; }
        public Builder cacheEntries(int v) { cacheEntries = v; return this; }
        public Builder cacheBytes(long v) { cacheBytes = v; return this; }
        public Builder maxTtl(long v) { maxTtl = v; return this; }
        public Builder serveStale(boolean v, long seconds) { serveStale = v; staleSeconds = seconds; return this; }
        public Builder allow(List<IpPrefix> v) { allow = v; return this; }
        public Builder rateLimit(long qps, long burst) { rateLimitQps = qps; rateLimitBurst = burst; return this; }
        public Builder timeouts(long attemptMillis, long queryMillis) { attemptTimeoutMillis = attemptMillis; queryTimeoutMillis = queryMillis; return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }
        public Builder forwardClientSubnet(boolean v) { forwardClientSubnet = v; return this; }
        public Builder resolvConf(Path v) { resolvConf = v; return this; }
        public Builder bypassMark(int v) { bypassMark = v; return this; }
        public Builder nameMapEntries(int v) { nameMapEntries = v; return this; }
        public Builder tlsCaFile(Path v) { tlsCaFile = v; return this; }
        public Builder intercept(boolean v) { intercept = v; return this; }
        public Builder ledgerDir(Path v) { ledgerDir = v; return this; }
        public Builder attributionHoldMillis(long v) { attributionHoldMillis = v; return this; }

        public DnsServerConfig build() {
            // intercepted: netext's own upstream queries must carry a mark the redirect skips
            int mark = intercept && bypassMark == 0 ? DnsInterception.DEFAULT_MARK : bypassMark;
            long bytes = cacheBytes > 0 ? cacheBytes : Math.max(1 << 16, cacheEntries * DEFAULT_BYTES_PER_ENTRY);
            return new DnsServerConfig(listen, groups, defaultGroup, trusted, cacheEntries, bytes, maxTtl, serveStale,
                    staleSeconds, allow, rateLimitQps, rateLimitBurst, attemptTimeoutMillis, queryTimeoutMillis, ioThreads,
                    forwardClientSubnet, resolvConf, mark, nameMapEntries, tlsCaFile, intercept, ledgerDir, attributionHoldMillis);
        }
    }
}
