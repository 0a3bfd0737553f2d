package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.flow.FlowLauncher;
import dev.netext.daemon.flow.SupervisedFilter;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;

import java.util.Optional;

/**
 * A profile's {@code filter:} section under the daemon: TPROXY interception and the rules filter — or a custom
 * {@code FilterDataProvider} from the class path or a plugin jar, isolated and restarted with backoff by
 * {@link SupervisedFilter} — over every flow, decisions published as flow events in the daemon's log. Stopping
 * removes the nft table, rules and routes.
 */
final class FilterComponent extends EngineComponent<FlowEngine> {
    private volatile SupervisedFilter supervised; // null for the rules filter

    private FilterComponent(Profile profile, DaemonServices services) {
        super(profile, services);
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.filter().isPresent()
                ? Optional.of(new FilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "filter"; }

    @Override String provider() { return profile.filter().orElseThrow().provider(); }

    @Override
    FlowEngine launch() throws Exception {
        FilterDataProvider p = FlowLauncher.provider(profile, services.resolver(), services.restartPolicy(), services.events());
        FlowEngine engine = FlowLauncher.launch(profile, p, services.events(), services.stateDir());
        supervised = p instanceof SupervisedFilter s ? s : null;
        return engine;
    }

    @Override void close(FlowEngine engine, StopReason reason) { engine.close(); }

    @Override
    String detail(FlowEngine engine) {
        SupervisedFilter s = supervised;
        return "intercepting TCP; " + engine.pausedFlows().size() + " flow(s) paused"
                + (s != null && !s.serving() ? "; provider down (restarting), flows get the on-failure verdict" : "");
    }

    @Override long restarts(FlowEngine engine) { return supervised == null ? 0 : supervised.restarts(); }

    @Override String providerError(FlowEngine engine) { return supervised == null ? null : supervised.lastError(); }
}
