package dev.netext.daemon.server;

import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.flow.FlowLauncher;
import dev.netext.daemon.flows.DnsAnswerLinker;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;

import java.util.Optional;

/**
 * A profile's flow layer under the daemon ({@code filter:} and/or {@code proxies:}): TPROXY interception, the rules
 * filter and the ordered proxy chain over every flow, decisions published as flow events in the daemon's log (each
 * flow's {@code FlowOpened} preceded by a {@code dns.answer} link when a DNS answer named it), flow ids from the
 * daemon's counter, names from the daemon's DNS proxies, and the session rules of prompts answered "allow always"
 * tried first. Stopping removes the nft table, rules and routes.
 */
final class FilterComponent extends EngineComponent<FlowEngine> {
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
        return FlowLauncher.launch(profile, new DnsAnswerLinker(services.events(), f.dnsNames(), f.dnsAnswers()),
                services.stateDir(), f.dnsNames(), f.flowIds()::incrementAndGet, f.sessionRules().of(profile.name()));
    }

    /** Resumes a paused flow of this filter (a prompt's answer); false when it is not paused here (any more). */
    boolean resume(long flowId, FinalVerdict verdict) {
        FlowEngine e = running();
        return e != null && e.control().resume(flowId, verdict);
    }

    @Override void close(FlowEngine engine, StopReason reason) { engine.close(); }

    @Override
    String detail(FlowEngine engine) {
        int proxies = engine.proxyChain().members().size();
        return "intercepting TCP" + (engine.udpListenerPorts()[0] != 0 ? " and UDP; " : "; ")
                + engine.pausedFlows().size() + " flow(s) paused" + (proxies == 0 ? "" : "; " + proxies + " proxies");
    }
}
