package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.flow.FlowLauncher;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;

import java.util.Optional;

/**
 * A profile's flow layer under the daemon ({@code filter:} and/or {@code proxies:}): TPROXY interception, the rules
 * filter and the ordered proxy chain over every flow, decisions published as flow events in the daemon's log.
 * Stopping removes the nft table, rules and routes.
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

    @Override FlowEngine launch() throws Exception { return FlowLauncher.launch(profile, services.events(), services.stateDir()); }

    @Override void close(FlowEngine engine, StopReason reason) { engine.close(); }

    @Override
    String detail(FlowEngine engine) {
        int proxies = engine.proxyChain().members().size();
        return "intercepting TCP; " + engine.pausedFlows().size() + " flow(s) paused"
                + (proxies == 0 ? "" : "; " + proxies + " proxies");
    }
}
