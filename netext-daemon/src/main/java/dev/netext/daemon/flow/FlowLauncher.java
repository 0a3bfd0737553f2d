package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
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
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.engine.InterceptionOptions;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

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
        return new RulesFilter(s.rules(), s.defaultAction(), s.promptTimeout(), s.promptDefault(), s.dropMode());
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
        return launch(profile, provider, events, ledgerDir, null, new AtomicLong()::incrementAndGet, List.of());
    }

    /**
     * The daemon's start: names from the daemon's DNS proxies, flow ids from the daemon's counter, and the session
     * rules ({@code allow always} answers) tried before the rules filter's own.
     */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir,
                                    AddressNames names, LongSupplier flowIds, List<FlowRule> sessionRules)
            throws Exception {
        if (!profile.interceptsFlows()) throw new IllegalArgumentException(profile.name() + " has no filter or proxies section");
        InterceptionConfig.Scope scope = profile.filter().map(FilterSection::scope).orElse(InterceptionConfig.Scope.ALL);
        // proxies carry TCP only so far: a proxies-only profile leaves UDP alone
        boolean udp = profile.filter().map(FilterSection::udp).orElse(false);
        List<String> gateway = profile.filter().map(FilterSection::gateway).orElse(List.of());
        // the DNS layer redirects port 53 itself when it intercepts: steering it here too would take the query from it
        boolean dnsIntercepted = profile.dns().map(DnsSection::intercept).orElse(false);
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), scope).withLedgerDir(ledgerDir)
                .withInterception(InterceptionOptions.DEFAULT.withUdp(udp).withGateway(gateway)
                        .withDnsExcluded(dnsIntercepted));
        List<FlowProxy> proxies = profile.proxies().map(ProxiesSection::proxies).<List<FlowProxy>>map(List::copyOf)
                .orElse(List.of());
        // the session list is live (prompts answered "allow always" add to it), so the rules filter is wrapped even
        // when it is empty; prompts are the rules filter's, so a custom provider runs as it is
        FilterDataProvider filter = provider instanceof RulesFilter rules ? new SessionRulesFilter(rules, sessionRules)
                : provider;
        Map<String, Object> options = profile.filter().map(FilterSection::settings).orElse(Map.of());
        try {
            return FlowEngine.start(config, filter, proxies, options, events == null ? EventSink.discard() : events,
                    new AtomicLong(), names, flowIds);
        } catch (Exception | Error e) {
            // the engine stops a provider it started; a supervisor it never started has a thread to end too
            if (provider instanceof SupervisedFilter sf) sf.stopFilter(dev.netext.api.tunnel.StopReason.PROVIDER_FAILED);
            throw e;
        }
    }
}
