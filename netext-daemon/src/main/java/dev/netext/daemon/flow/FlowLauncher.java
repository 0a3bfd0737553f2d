package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.daemon.profile.DnsSection;
import dev.netext.daemon.profile.FilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.engine.InterceptionOptions;
import dev.netext.flow.rules.RulesFilter;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

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
        // the DNS layer redirects port 53 itself when it intercepts: steering it here too would take the query from it
        boolean dnsIntercepted = profile.dns().map(DnsSection::intercept).orElse(false);
        FlowEngineConfig config = FlowEngineConfig.defaults(profile.name(), s.scope()).withLedgerDir(ledgerDir)
                .withInterception(InterceptionOptions.DEFAULT.withUdp(s.udp()).withGateway(s.gateway())
                        .withDnsExcluded(dnsIntercepted));
        return FlowEngine.start(config, rulesFilter(s), Map.of(), events == null ? EventSink.discard() : events,
                new AtomicLong(), null);
    }
}
