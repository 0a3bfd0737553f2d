package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.interception.FlowLauncher;
import dev.netext.daemon.flows.DnsAnswerLinker;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.interception.SupervisedFilter;
import dev.netext.daemon.interception.SupervisedProxy;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.proxy.FlowProxy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A profile's flow layer under the daemon ({@code filter:} and/or {@code proxies:}): TPROXY interception, the rules
 * filter — or a custom {@code FilterDataProvider} from the class path or a plugin jar, isolated and restarted with
 * backoff by {@link SupervisedFilter} — and the ordered proxy chain over every flow, decisions published as flow
 * events in the daemon's log (each flow's {@code FlowOpened} preceded by a {@code dns.answer} link when a DNS answer
 * named it), flow ids from the daemon's counter, names from the daemon's DNS proxies, and the daemon's
 * saved rules (prompt answers, {@code netext rules add}) tried first. Stopping removes the nft table, rules and routes.
 */
final class FilterComponent extends EngineComponent<FlowEngine> {
    private volatile SupervisedFilter supervised; // null for the rules filter

    private FilterComponent(Profile profile, DaemonServices services) {
        super(profile, services);
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.interceptsFlows()
                ? Optional.of(new FilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "filter"; }

    @Override String provider() { return profile.filter().map(f -> f.provider()).orElse("rules"); }

    @Override
    FlowEngine launch() throws Exception {
        FlowServices f = services.flows();
        FilterDataProvider p = FlowLauncher.provider(profile, services.resolver(), services.restartPolicy(), services.events());
        if (p instanceof SupervisedFilter s) profile.memory().ifPresent(m -> s.memoryBudget(m.hardBytes())); // before its start
        FlowEngine engine = FlowLauncher.launch(profile, p,
                new DnsAnswerLinker(services.events(), f.dnsNames(), f.dnsAnswers()), services.stateDir(),
                f.dnsNames(), f.flowIds()::incrementAndGet, f.savedRules(),
                services.resolver(), services.restartPolicy());
        supervised = p instanceof SupervisedFilter s ? s : null;
        return engine;
    }

    /** Resumes a paused flow of this filter (a prompt's answer); false when it is not paused here (any more). */
    boolean resume(long flowId, FinalVerdict verdict) {
        FlowEngine e = running();
        return e != null && e.control().resume(flowId, verdict);
    }

    @Override void close(FlowEngine engine, StopReason reason) { engine.close(); }

    /** A custom provider's {@code onMemoryPressure} listeners; the rules filter has none. */
    @Override
    void memoryPressure(FlowEngine engine, ProviderEvent.MemoryBudgetExceeded event) {
        SupervisedFilter s = supervised;
        if (s != null) s.memoryPressure(event);
    }

    @Override
    String detail(FlowEngine engine) {
        int proxies = engine.proxyChain().members().size();
        SupervisedFilter s = supervised;
        return "intercepting TCP" + (engine.udpListenerPorts()[0] != 0 ? " and UDP; " : "; ")
                + engine.pausedFlows().size() + " flow(s) paused" + (proxies == 0 ? "" : "; " + proxies + " proxies")
                + (s != null && !s.serving() ? "; provider down (restarting), flows get the on-failure verdict" : "");
    }

    /**
     * {@code filter} when the profile has a {@code filter:} section (a custom provider's messages go to it; the rules
     * filter handles none), and {@code proxy:NAME} for each custom proxy class of {@code proxies:}.
     */
    @Override
    public Map<String, MessageTarget> messageTargets() {
        Map<String, MessageTarget> out = new LinkedHashMap<>();
        if (profile.filter().isPresent()) out.put(kind(), (data, timeout) -> {
            SupervisedFilter s = supervised;
            if (s != null) return s.message(data, timeout);
            if (running() == null) throw new IllegalStateException("filter " + profile.name() + " is not running");
            return MessageTarget.UNSUPPORTED.message(data, timeout);
        });
        profile.proxies().ifPresent(ps -> ps.custom().forEach(c -> {
            String name = c.member().provider();
            out.put("proxy:" + name, (data, timeout) -> proxy(name).message(data, timeout));
        }));
        return out;
    }

    private SupervisedProxy proxy(String name) {
        FlowEngine e = running();
        if (e != null) {
            for (FlowProxy p : e.chainProxies())
                if (p instanceof SupervisedProxy sp && sp.member().provider().equals(name)) return sp;
        }
        throw new IllegalStateException("proxy " + name + " of " + profile.name() + " is not running");
    }

    @Override long restarts(FlowEngine engine) { return supervised == null ? 0 : supervised.restarts(); }

    @Override String providerError(FlowEngine engine) { return supervised == null ? null : supervised.lastError(); }
}
