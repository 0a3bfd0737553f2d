package dev.netext.daemon.profile;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerSpec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A profile's {@code dns:} section: the built-in split-DNS provider's listeners, server groups, rules and cache.
 *
 * @param listen       UDP and TCP on each
 * @param intercept    redirect this network namespace's port-53 traffic to netext (nftables, {@code inet netext-dns})
 * @param servers      server groups by name, in profile order; each a failover list
 * @param rules        split rules in profile order
 * @param defaultGroup where names no rule covers go
 * @param cacheEntries cached answers (0: none)
 * @param serveStale   RFC 8767
 * @param allow        client prefixes besides loopback and own addresses
 * @param rateLimit    queries/s per non-loopback client (0: off)
 * @param trusted      groups whose AD bit is passed on
 * @param tlsCa        a PEM file of CA certificates DoT/DoH servers may chain to besides the JDK's trust store; null none
 * @param lists        block-list rules in profile order, tried after the domain rules
 */
public record DnsSection(List<Endpoint> listen, boolean intercept, Map<String, List<ServerSpec>> servers,
                         List<SplitRule> rules, String defaultGroup, int cacheEntries, boolean serveStale,
                         List<IpPrefix> allow, long rateLimit, Set<String> trusted, Path tlsCa,
                         List<DnsListRule> lists) {
    public static final List<Endpoint> DEFAULT_LISTEN = List.of(Endpoint.parse("127.0.0.1:53"));
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;
    public static final long DEFAULT_RATE_LIMIT = 1000;

    public DnsSection {
        listen = List.copyOf(listen);
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
        rules = List.copyOf(rules);
        allow = List.copyOf(allow);
        trusted = Set.copyOf(trusted);
        lists = List.copyOf(lists);
    }

    /** A section without list rules. */
    public DnsSection(List<Endpoint> listen, boolean intercept, Map<String, List<ServerSpec>> servers,
                      List<SplitRule> rules, String defaultGroup, int cacheEntries, boolean serveStale,
                      List<IpPrefix> allow, long rateLimit, Set<String> trusted, Path tlsCa) {
        this(listen, intercept, servers, rules, defaultGroup, cacheEntries, serveStale, allow, rateLimit, trusted, tlsCa, List.of());
    }
}
