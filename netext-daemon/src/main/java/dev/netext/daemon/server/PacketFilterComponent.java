package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.packetfilter.PacketFilterLauncher;
import dev.netext.daemon.profile.PacketFilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.packetfilter.PacketFilterEngine;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A profile's {@code packet-filter:} section under the daemon: its queue, steering rules and provider, decisions
 * published as events in the daemon's log. Removing the section (or the profile) removes its rules.
 */
final class PacketFilterComponent extends EngineComponent<PacketFilterEngine> {
    private PacketFilterComponent(Profile profile, DaemonServices services) {
        super(profile, services);
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.packetFilter().isPresent()
                ? Optional.of(new PacketFilterComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "packet-filter"; }

    @Override String provider() { return profile.packetFilter().orElseThrow().provider(); }

    @Override
    PacketFilterEngine launch() throws Exception {
        PacketFilterSection section = profile.packetFilter().orElseThrow();
        return PacketFilterLauncher.launch(profile, section,
                PacketFilterLauncher.resolve(section.provider(), profile.source()), services.events());
    }

    @Override void close(PacketFilterEngine engine, StopReason reason) { engine.stop(reason); }

    @Override String detail(PacketFilterEngine engine) { return "queue " + engine.config().queue(); }

    @Override
    public Map<String, MessageTarget> messageTargets() {
        return Map.of(kind(), (data, timeout) -> askProvider(PacketFilterEngine::provider, data, timeout));
    }

    /** The queue loop failing ends the engine (its rules stay until it is closed): a crash, restarted. */
    @Override Callable<Throwable> ending(PacketFilterEngine engine) { return engine::awaitTermination; }
}
