package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.packetfilter.PacketFilterLauncher;
import dev.netext.daemon.profile.PacketFilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.packetfilter.PacketFilterEngine;

import java.util.Map;
import java.util.Optional;

/**
 * A profile's {@code packet-filter:} section under the daemon: its queue, steering rules and provider, decisions
 * published as events in the daemon's log. Removing the section (or the profile) removes its rules.
 */
final class PacketFilterComponent implements ProfileComponent {
    private final Profile profile;
    private final DaemonServices services;
    private PacketFilterEngine engine;
    private String lastError;

    private PacketFilterComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.services = services;
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.packetFilter().isPresent()
                ? Optional.of(new PacketFilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "packet-filter"; }

    @Override
    public synchronized void start() {
        if (engine != null) return;
        PacketFilterSection section = profile.packetFilter().orElseThrow();
        try {
            engine = PacketFilterLauncher.launch(profile, section,
                    PacketFilterLauncher.resolve(section.provider(), profile.source()), services.events());
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
        engine.stop(reason);
        engine = null;
    }

    @Override
    public synchronized ComponentStatus status() {
        String provider = profile.packetFilter().orElseThrow().provider();
        if (engine == null)
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, provider, lastError == null ? "" : "failed",
                    0, lastError, Map.of());
        Throwable failure = engine.failure();
        return new ComponentStatus(kind(), failure == null ? ProviderStatus.CONNECTED : ProviderStatus.DISCONNECTED,
                provider, "queue " + engine.config().queue(), 0, failure == null ? null : failure.toString(), Map.of());
    }
}
