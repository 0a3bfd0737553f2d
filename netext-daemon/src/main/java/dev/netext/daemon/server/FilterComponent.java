package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.flow.FlowLauncher;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;

import java.util.Optional;

/**
 * A profile's {@code filter:} section under the daemon: TPROXY interception and the rules filter over every flow,
 * decisions published as flow events in the daemon's log. Stopping removes the nft table, rules and routes.
 */
final class FilterComponent extends EngineComponent<FlowEngine> {
    private FilterComponent(Profile profile, DaemonServices services) {
        super(profile, services);
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.filter().isPresent()
                ? Optional.of(new FilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "filter"; }

    @Override String provider() { return profile.filter().orElseThrow().provider(); }

    @Override FlowEngine launch() throws Exception { return FlowLauncher.launch(profile, services.events(), services.stateDir()); }

    @Override void close(FlowEngine engine, StopReason reason) { engine.close(); }

    @Override String detail(FlowEngine engine) { return "intercepting TCP" + (engine.udpListenerPorts()[0] != 0 ? " and UDP; " : "; ") + engine.pausedFlows().size() + " flow(s) paused"; }
}
