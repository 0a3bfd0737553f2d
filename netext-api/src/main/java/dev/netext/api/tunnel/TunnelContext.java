package dev.netext.api.tunnel;

import dev.netext.api.path.PathEvent;

import java.io.IOException;
import java.util.function.Consumer;

/** What the host gives a running {@link PacketTunnelProvider}. */
public interface TunnelContext {

    /** The TUN device's name ({@code netext0}, …): chosen by the host, never an existing device. */
    String interfaceName();

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

    /** Marks the tunnel reasserting (reconnecting its backend) or connected again: {@code reasserting = true}. */
    void setReasserting(boolean reasserting);

    /** Stops the tunnel from inside the provider: {@code cancelTunnelWithError}. */
    void cancelTunnel(Throwable error);

    /** Subscribes to path changes (links, addresses, default route): the NWPathMonitor of a tunnel. */
    void onPathChange(Consumer<PathEvent> listener);

    /** The SO_MARK the provider's own backend sockets must carry so a full tunnel never routes them into itself. */
    int bypassMark();

    /** Logs a message under this provider's name. */
    void log(String message);

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
