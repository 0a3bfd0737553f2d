package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.daemon.profile.FilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.naming.AddressNames;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RulesFilter;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Starts a profile's {@code filter:} section: the built-in rules filter on the flow engine, intercepting in the
 * calling thread's network namespace. Shared by {@code netext up} and the daemon.
 */
public final class FlowLauncher {
    private FlowLauncher() {}

    public static RulesFilter rulesFilter(FilterSection s) {
        return new RulesFilter(s.rules(), s.defaultAction(), s.promptTimeout(), s.promptDefault(), s.dropMode());
    }

    /** Starts interception and filtering; events go to {@code events} (numbered there when it is the daemon's log). */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir) throws Exception {
        FilterSection s = profile.filter().orElseThrow();
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), s.scope()).withLedgerDir(ledgerDir);
        return FlowEngine.start(config, rulesFilter(s), Map.of(), events == null ? EventSink.discard() : events,
                new AtomicLong(), null);
    }

    /**
     * The daemon's start: names from the daemon's DNS proxies, flow ids from the daemon's counter, and the session
     * rules ({@code allow always} answers) tried before the profile's rules.
     */
    public static FlowEngine launch(Profile profile, EventSink events, Path ledgerDir, AddressNames names,
                                    LongSupplier flowIds, List<FlowRule> sessionRules) throws Exception {
        FilterSection s = profile.filter().orElseThrow();
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), s.scope()).withLedgerDir(ledgerDir);
        return FlowEngine.start(config, new SessionRulesFilter(rulesFilter(s), sessionRules), Map.of(), events,
                new AtomicLong(), names, flowIds);
    }
}
