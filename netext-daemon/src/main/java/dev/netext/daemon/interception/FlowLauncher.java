package dev.netext.daemon.interception;

import dev.netext.api.EventSink;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.dns.ListFiles;
import dev.netext.daemon.profile.DnsSection;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.daemon.profile.FilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProxiesSection;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.naming.AddressNames;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.engine.InterceptionOptions;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Starts a profile's flow layer — its {@code filter:} section (the built-in rules filter, or a custom
 * {@link FilterDataProvider} class from the class path or a plugin jar, run isolated by {@link SupervisedFilter}) and
 * its {@code proxies:} (the ordered proxy chain) — on the flow engine, intercepting in the calling thread's network
 * namespace. A profile with proxies and no filter gets a filter that allows everything, so the pipeline is always
 * filter → proxies → direct. Shared by {@code netext up} and the daemon.
 */
public final class FlowLauncher {
    private FlowLauncher() {}

    public static RulesFilter rulesFilter(FilterSection s) {
        return new RulesFilter(ListFiles.bindFlowRules(s.rules()), s.defaultAction(), s.inboundDefault(), s.promptTimeout(),
                s.promptDefault(), s.dropMode());
    }

    /** The filter of a profile without a {@code filter:} section: no rules, allow. */
    static RulesFilter allowAll() {
        return new RulesFilter(List.of(), RuleAction.ALLOW, Duration.ofSeconds(30), FinalVerdict.DROP, DropMode.RESET);
    }

    /**
     * The profile's filter: the rules filter (allow-all without a {@code filter:} section), or the named class
     * resolved with {@code resolver} (its plugin's own class loader) under supervision: crashes restarted per
     * {@code policy}, reported to {@code events}.
     */
    public static FilterDataProvider provider(Profile profile, ProviderResolver resolver, RestartPolicy policy,
                                              EventSink events) throws ProviderResolutionException {
        FilterSection s = profile.filter().orElse(null);
        if (s == null) return allowAll();
        if (s.isRules()) return rulesFilter(s);
        ResolvedPlugin<FilterDataProvider> plugin = resolver.resolve(FilterDataProvider.class, s.provider(),
                profile.source(), Set.of(FilterSection.RULES));
        return new SupervisedFilter(profile.name(), plugin, policy, s.onFailure(),
                events == null ? EventSink.discard() : events, SupervisedFilter.CALL_TIMEOUT);
    }

    /** Starts interception with the built-in rules filter (allow-all without a {@code filter:} section). */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir) throws Exception {
        return launch(profile, profile.filter().map(FlowLauncher::rulesFilter).orElseGet(FlowLauncher::allowAll),
                events, ledgerDir);
    }

    /**
     * Starts interception, filtering with {@code provider} ({@link #provider}) and the proxy chain; events go to
     * {@code events} (numbered there when it is the daemon's log). The section's settings are the provider's start
     * options.
     */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir)
            throws Exception {
        return launch(profile, provider, events, ledgerDir, null, new AtomicLong()::incrementAndGet, SavedRules.inMemory());
    }

    /**
     * As {@link #launch(Profile, FilterDataProvider, EventSink, Path)}, with the profile's custom proxy classes
     * resolved by {@code resolver} and run by {@link SupervisedProxy} (restarted per {@code policy}).
     */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir,
                                    ProviderResolver resolver, RestartPolicy policy) throws Exception {
        return launch(profile, provider, events, ledgerDir, null, new AtomicLong()::incrementAndGet, SavedRules.inMemory(),
                resolver, policy);
    }

    /** Whether a proxy that can carry UDP (SOCKS5, a custom class) has an include rule that is not TCP-only. */
    static boolean proxiesTakeUdp(ProxiesSection s) {
        Predicate<ProxyChain.Member> selectsUdp = m -> m.rules().included().stream()
                .anyMatch(r -> r.protocol() != TransportProtocol.TCP);
        return s.proxies().stream().filter(p -> p.server().carries(TransportProtocol.UDP))
                .map(FlowProxy.Upstream::member).anyMatch(selectsUdp)
                || s.custom().stream().map(ProxiesSection.Custom::member).anyMatch(selectsUdp);
    }

    /**
     * The profile's proxy chain: the built-in proxies, and each custom proxy class resolved with {@code resolver} (its
     * plugin's own class loader) and started under {@link SupervisedProxy}, here, in the calling thread's namespace;
     * a claimed UDP flow of theirs ends after {@code udpIdleTimeout} without a datagram, as the engine's own do.
     * The caller owns what is returned until it hands it to an engine (which closes it).
     */
    public static List<FlowProxy> proxies(Profile profile, ProviderResolver resolver, RestartPolicy policy, EventSink events,
                                          Duration udpIdleTimeout) throws Exception {
        List<FlowProxy> out = new ArrayList<>();
        var section = profile.proxies().orElse(null);
        if (section == null) return out;
        out.addAll(section.proxies());
        if (section.custom().isEmpty()) return out;
        if (resolver == null) throw new IllegalArgumentException(profile.name() + ": custom proxy classes need a provider resolver");
        List<ProxyChain.Member> chain = new ProxyChain(section.members()).members();
        try {
            for (ProxiesSection.Custom c : section.custom()) {
                ResolvedPlugin<ProxyProvider> plugin = resolver.resolve(
                        ProxyProvider.class, c.type(), profile.source(), Set.of("socks5", "http"));
                out.add(SupervisedProxy.start(profile.name(), c.member(), chain.indexOf(c.member()), plugin, c.settings(),
                        policy, events == null ? EventSink.discard() : events, SupervisedProxy.CALL_TIMEOUT, udpIdleTimeout));
            }
        } catch (Exception | Error e) {
            for (FlowProxy p : out) if (p instanceof SupervisedProxy sp) sp.close();
            throw e;
        }
        return out;
    }

    /**
     * The daemon's start: names from the daemon's DNS proxies, flow ids from the daemon's counter, and the saved
     * rules (prompt answers, {@code netext rules add}) tried before the rules filter's own.
     */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir,
                                    AddressNames names, LongSupplier flowIds, SavedRules savedRules)
            throws Exception {
        return launch(profile, provider, events, ledgerDir, names, flowIds, savedRules, null, RestartPolicy.DEFAULT);
    }

    /** The daemon's start with the profile's custom proxy classes resolved by {@code resolver}. */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir,
                                    AddressNames names, LongSupplier flowIds, SavedRules savedRules,
                                    ProviderResolver resolver, RestartPolicy policy) throws Exception {
        if (!profile.interceptsFlows()) throw new IllegalArgumentException(profile.name() + " has no filter or proxies section");
        InterceptionConfig.Scope scope = profile.filter().map(FilterSection::scope).orElse(InterceptionConfig.Scope.ALL);
        // a proxies-only profile intercepts UDP when one of its proxies can carry UDP and its rules select some
        boolean udp = profile.filter().map(FilterSection::udp)
                .orElseGet(() -> profile.proxies().map(FlowLauncher::proxiesTakeUdp).orElse(false));
        List<String> gateway = profile.filter().map(FilterSection::gateway).orElse(List.of());
        // the DNS layer redirects port 53 itself when it intercepts: steering it here too would take the query from it
        boolean dnsIntercepted = profile.dns().map(DnsSection::intercept).orElse(false);
        // the fast path unless the profile turns it off; inbound connections are queued only when the filter judges
        // them; while netext is gone, the connections either queue would judge pass or drop as the filter's
        // on-failure verdict says
        boolean fastPath = profile.filter().map(FilterSection::fastPath).orElse(true);
        boolean inbound = profile.filter().map(FilterSection::judgesInbound).orElse(false);
        boolean failOpen = profile.filter().map(f -> f.onFailure() instanceof FinalVerdict.Allow).orElse(true);
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), scope).withLedgerDir(ledgerDir)
                .withInterception(InterceptionOptions.DEFAULT.withUdp(udp).withGateway(gateway)
                        .withDnsExcluded(dnsIntercepted).withFastPath(fastPath).withInbound(inbound, failOpen));
        List<FlowProxy> proxies;
        try {
            proxies = proxies(profile, resolver, policy, events, config.interception().udpIdleTimeout());
        } catch (Exception | Error e) {
            if (provider instanceof SupervisedFilter sf) sf.stopFilter(StopReason.PROVIDER_FAILED);
            throw e;
        }
        // the saved rules are live (prompt answers and the rules CLI change them), so the rules filter is wrapped even
        // when there are none; prompts are the rules filter's, so a custom provider runs as it is
        FilterDataProvider filter = provider instanceof RulesFilter rules ? new SavedRulesFilter(rules, savedRules, profile.name())
                : provider;
        Map<String, Object> options = profile.filter().map(FilterSection::settings).orElse(Map.of());
        try {
            return FlowEngine.start(config, filter, proxies, options, events == null ? EventSink.discard() : events,
                    new AtomicLong(), names, flowIds);
        } catch (Exception | Error e) {
            // the engine stops a provider it started; a supervisor it never started has a thread to end too
            if (provider instanceof SupervisedFilter sf) sf.stopFilter(StopReason.PROVIDER_FAILED);
            throw e;
        }
    }
}
