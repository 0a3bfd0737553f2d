package dev.netext.api.tunnel;

import dev.netext.api.ProviderContext;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.path.PathEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the host gives a running {@link PacketTunnelProvider}: the tunnel half of {@code NEPacketTunnelProvider}'s own
 * methods ({@code setTunnelNetworkSettings}, {@code packetFlow}, {@code reasserting}, {@code cancelTunnelWithError}).
 *
 * <p>It is a {@link ProviderContext}; the methods that interface added after this one have defaults here, so hosts
 * written against the original interface still compile. Hosts should override {@link #name()} and
 * {@link #publish(String, Map, long)}.
 */
public interface TunnelContext extends ProviderContext {

    /** The TUN device's name ({@code netext0}, …): chosen by the host, never an existing device. */
    String interfaceName();

    /**
     * The options this start was given ({@code startTunnel(options:)} of NE, whose {@code providerConfiguration} is the
     * {@code options} argument of {@link PacketTunnelProvider#startTunnel}): {@code netext up NAME --option key=value},
     * strings as given, no key checked by the host; empty when none were given (a start by on-demand rules, a
     * provider's restart after a crash keeps the last {@code up}'s).
     */
    default Map<String, String> startOptions() { return Map.of(); }

    /** The settings the profile declared ({@link PacketTunnelProvider#adjustSettings} applied). */
    TunnelNetworkSettings profileSettings();

    /**
     * Applies settings: addresses, MTU, routes, policy rules, DNS. Replaces earlier settings; {@code null} removes
     * them all. Returns once the kernel has them ({@code setTunnelNetworkSettings(_:completionHandler:)}).
     */
    void setTunnelNetworkSettings(TunnelNetworkSettings settings) throws IOException;

    /** The tunnel's packets. */
    PacketFlow packetFlow();

    /**
     * Runs a long-lived loop on a named platform thread that the host owns: it is interrupted and joined at stop.
     * A loop that throws fails the tunnel ({@link StopReason#PROVIDER_FAILED}).
     */
    void spawn(String name, ThrowingRunnable loop);

    /** {@link ProviderContext#spawn}, run as {@link #spawn(String, ThrowingRunnable)}. */
    @Override
    default void spawn(String name, dev.netext.api.ThrowingRunnable loop) {
        spawn(name, (ThrowingRunnable) loop::run);
    }

    /** Marks the tunnel reasserting (reconnecting its backend) or connected again: {@code reasserting = true}. */
    void setReasserting(boolean reasserting);

    /** Stops the tunnel from inside the provider: {@code cancelTunnelWithError}. */
    void cancelTunnel(Throwable error);

    /** {@link ProviderContext#cancel} is {@link #cancelTunnel} for a tunnel. */
    @Override
    default void cancel(Throwable error) { cancelTunnel(error); }

    /** The provider's name; hosts should return the profile name. Defaults to the interface name. */
    @Override
    default String name() { return interfaceName(); }

    @Override
    default ProviderKind kind() { return ProviderKind.PACKET_TUNNEL; }

    /** Hosts override this to stamp and sequence the event; the default only logs it. */
    @Override
    default void publish(String type, Map<String, String> attributes, long flowId) {
        log("event " + type + " " + attributes + (flowId == ProviderEvent.NO_FLOW ? "" : " flow " + flowId));
    }

    /** Subscribes to path changes (links, addresses, default route): the NWPathMonitor of a tunnel. */
    void onPathChange(Consumer<PathEvent> listener);

    /** The SO_MARK the provider's own backend sockets must carry so a full tunnel never routes them into itself. */
    int bypassMark();

    /** Logs a message under this provider's name. */
    void log(String message);

    /**
     * Records, before the provider creates it, a file it will own outside any directory of its own (a control
     * socket such as WireGuard's {@code /var/run/wireguard/NAME.sock}), in the host's crash-recovery state: after a
     * crash ({@code kill -9}) the next start deletes it if nothing answers on it any more. The provider still deletes
     * the file itself at a clean stop. Hosts without crash recovery (test harnesses) record nothing.
     */
    default void recordOwnedFile(Path path) throws IOException {}

    /** A tunnel loop: the same shape as {@link dev.netext.api.ThrowingRunnable}, kept for existing callers. */
    @FunctionalInterface
    interface ThrowingRunnable extends dev.netext.api.ThrowingRunnable {
        @Override
        void run() throws Exception;
    }
}
