package dev.netext.daemon.dns;

import java.io.UncheckedIOException;
import java.io.IOException;
import dev.netext.api.EventSink;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.daemon.profile.DnsSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.dns.server.DnsProxyServer;
import dev.netext.dns.server.DnsServerConfig;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Starts a profile's {@code dns:} section: the built-in split-DNS provider on a {@link DnsProxyServer}. The group
 * {@code system} exists implicitly (the host's resolvers from resolv.conf) when the profile uses it without defining it.
 */
public final class DnsLauncher {
    private DnsLauncher() {}

    /** The host configuration a section stands for. */
    public static DnsServerConfig config(DnsSection d) {
        DnsServerConfig.Builder b = DnsServerConfig.builder().listen(d.listen()).defaultGroup(d.defaultGroup())
                .trustedGroups(d.trusted()).cacheEntries(d.cacheEntries()).serveStale(d.serveStale(), 86_400)
                .allow(d.allow()).rateLimit(d.rateLimit(), d.rateLimit() * 2).tlsCaFile(d.tlsCa()).intercept(d.intercept());
        d.servers().forEach(b::group);
        Set<String> used = new HashSet<>(d.trusted());
        used.add(d.defaultGroup());
        for (SplitRule r : d.rules()) if (r.decision() instanceof DnsDecision.Forward f) used.add(f.serverGroup());
        if (used.contains("system") && !d.servers().containsKey("system")) b.group("system", List.of(new ServerSpec.SystemResolvers()));
        return b.build();
    }

    /**
     * Starts serving; throws with a one-line reason when a listener cannot bind or a group cannot start.
     *
     * @param sink query events, or null for none
     */
    public static DnsProxyServer launch(Profile profile, EventSink sink) throws Exception {
        return launch(profile, sink, new AtomicLong()::incrementAndGet);
    }

    /** As {@link #launch(Profile, EventSink)}, the queries' flow ids from {@code flowIds} (the daemon's counter). */
    public static DnsProxyServer launch(Profile profile, EventSink sink, LongSupplier flowIds) throws Exception {
        return launch(profile, sink, flowIds, DnsLauncher::splitDns);
    }

    /** As above, the provider made from the section by {@code provider} instead of the built-in split-DNS one. */
    public static DnsProxyServer launch(Profile profile, EventSink sink, LongSupplier flowIds,
                                        Function<DnsSection, DnsProxyProvider> provider) throws Exception {
        DnsSection d = profile.dns().orElseThrow(() -> new IllegalArgumentException("profile " + profile.name() + " has no dns section"));
        return DnsProxyServer.start(config(d), provider.apply(d), profile.name(), sink, flowIds);
    }

    /** The provider of every {@code dns:} section: split DNS by the section's rules and block lists. */
    public static DnsProxyProvider splitDns(DnsSection d) {
        SplitDnsProvider provider = new SplitDnsProvider(d.rules(), d.defaultGroup());
        try {
            provider.setLists(ListFiles.dnsRules(d.lists()));
        } catch (IOException e) {
            throw new UncheckedIOException("block lists of the dns section: " + e.getMessage(), e);
        }
        return provider;
    }
}
