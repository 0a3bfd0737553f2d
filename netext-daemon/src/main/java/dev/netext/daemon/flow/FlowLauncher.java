package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.daemon.profile.FilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.rules.RulesFilter;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts a profile's {@code filter:} section: the built-in rules filter, or a custom {@link FilterDataProvider} class
 * (class path or plugin jar, run isolated by {@link SupervisedFilter}), on the flow engine, intercepting in the
 * calling thread's network namespace. Shared by {@code netext up} and the daemon.
 */
public final class FlowLauncher {
    private FlowLauncher() {}

    public static RulesFilter rulesFilter(FilterSection s) {
        return new RulesFilter(s.rules(), s.defaultAction(), s.promptTimeout(), s.promptDefault(), s.dropMode());
    }

    /**
     * The section's provider: the rules filter, or the named class resolved with {@code resolver} (its plugin's own
     * class loader) under supervision: crashes restarted per {@code policy}, reported to {@code events}.
     */
    public static FilterDataProvider provider(Profile profile, ProviderResolver resolver, RestartPolicy policy,
                                              EventSink events) throws ProviderResolutionException {
        FilterSection s = profile.filter().orElseThrow();
        if (s.isRules()) return rulesFilter(s);
        ResolvedPlugin<FilterDataProvider> plugin = resolver.resolve(FilterDataProvider.class, s.provider(),
                profile.source(), Set.of(FilterSection.RULES));
        return new SupervisedFilter(profile.name(), plugin, policy, s.onFailure(),
                events == null ? EventSink.discard() : events, SupervisedFilter.CALL_TIMEOUT);
    }

    /** Starts interception with the built-in rules filter (the section must name it). */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir) throws Exception {
        return launch(profile, rulesFilter(profile.filter().orElseThrow()), events, ledgerDir);
    }

    /**
     * Starts interception and filtering with {@code provider} ({@link #provider}); events go to {@code events}
     * (numbered there when it is the daemon's log). The section's settings are the provider's start options.
     */
    public static FlowEngine launch(Profile profile, FilterDataProvider provider, EventSink events, Path ledgerDir)
            throws Exception {
        FilterSection s = profile.filter().orElseThrow();
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), s.scope()).withLedgerDir(ledgerDir);
        try {
            return FlowEngine.start(config, provider, s.settings(), events == null ? EventSink.discard() : events,
                    new AtomicLong(), null);
        } catch (Exception | Error e) {
            // the engine stops a provider it started; a supervisor it never started has a thread to end too
            if (provider instanceof SupervisedFilter sf) sf.stopFilter(dev.netext.api.tunnel.StopReason.PROVIDER_FAILED);
            throw e;
        }
    }
}
