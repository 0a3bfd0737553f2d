package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.flow.FlowLauncher;
import dev.netext.daemon.profile.Profile;
import dev.netext.flow.engine.FlowEngine;

import java.util.Map;
import java.util.Optional;

/**
 * A profile's {@code filter:} section under the daemon: TPROXY interception and the rules filter over every flow,
 * decisions published as flow events in the daemon's log. Stopping removes the nft table, rules and routes.
 */
final class FilterComponent implements ProfileComponent {
    private final Profile profile;
    private final DaemonServices services;
    private FlowEngine engine;
    private String lastError;

    private FilterComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.services = services;
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.filter().isPresent()
                ? Optional.of(new FilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "filter"; }

    @Override
    public synchronized void start() {
        if (engine != null) return;
        try {
            engine = FlowLauncher.launch(profile, services.events(), services.stateDir());
            lastError = null;
        } catch (Exception e) {
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                    e.getClass().getSimpleName(), lastError, false));
        }
    }

    @Override
    public synchronized void stop(StopReason reason) {
        if (engine == null) return;
        engine.close();
        engine = null;
    }

    @Override
    public synchronized ComponentStatus status() {
        String provider = profile.filter().orElseThrow().provider();
        if (engine == null)
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, provider, lastError == null ? "" : "failed",
                    0, lastError, Map.of());
        return new ComponentStatus(kind(), ProviderStatus.CONNECTED, provider,
                "intercepting TCP; " + engine.pausedFlows().size() + " flow(s) paused", 0, null, Map.of());
    }
}
