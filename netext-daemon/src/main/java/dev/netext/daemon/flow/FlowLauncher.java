package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.daemon.profile.DnsSection;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Starts a profile's flow layer — its {@code filter:} section (the built-in rules filter) and its {@code proxies:}
 * (the ordered proxy chain) — on the flow engine, intercepting in the calling thread's network namespace. A profile
 * with proxies and no filter gets a filter that allows everything, so the pipeline is always filter → proxies →
 * direct. Shared by {@code netext up} and the daemon.
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
     * Starts interception, filtering and the proxy chain; events go to {@code events} (numbered there when it is the
     * daemon's log).
     */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir) throws Exception {
        return launch(profile, events, ledgerDir, null, new AtomicLong()::incrementAndGet, List.of());
    }

    /**
     * The daemon's start: names from the daemon's DNS proxies, flow ids from the daemon's counter, and the session
     * rules ({@code allow always} answers) tried before the profile's rules.
     */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir, AddressNames names,
                                    LongSupplier flowIds, List<FlowRule> sessionRules) throws Exception {
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
        RulesFilter rules = profile.filter().map(FlowLauncher::rulesFilter).orElseGet(FlowLauncher::allowAll);
        // the session list is live (prompts answered "allow always" add to it), so it is wrapped even when empty
        return FlowEngine.start(config, new SessionRulesFilter(rules, sessionRules), proxies, Map.of(),
                events == null ? EventSink.discard() : events, new AtomicLong(), names, flowIds);
    }
}
