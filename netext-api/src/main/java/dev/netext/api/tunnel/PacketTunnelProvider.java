package dev.netext.api.tunnel;

import dev.netext.api.Provider;

import java.util.Map;

/**
 * A packet tunnel (VPN) provider: {@code NEPacketTunnelProvider}. The host creates a TUN device, routes the
 * settings' destinations into it, and hands the provider its {@link PacketFlow}.
 *
 * <p>netext providers are written in blocking style: the host calls these methods on a platform thread of its
 * own and long work runs in loops started with {@link TunnelContext#spawn}. No completion handlers.
 *
 * <ol>
 *   <li>{@link #startTunnel} connects to the backend, calls {@link TunnelContext#setTunnelNetworkSettings} and
 *       starts its packet loops, then returns: the tunnel is connected. Throwing fails the start.</li>
 *   <li>{@link #stopTunnel} is called once, after which the host interrupts and joins the spawned loops, removes
 *       routes and addresses, and closes the device.</li>
 * </ol>
 */
public interface PacketTunnelProvider extends Provider {

    /**
     * Starts the tunnel.
     *
     * @param context the host's services for this tunnel
     * @param options the profile's provider options ({@code NETunnelProviderProtocol.providerConfiguration})
     */
    void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception;

    /** Stops the tunnel: close backend connections. Spawned loops are ended by the host afterwards. */
    void stopTunnel(StopReason reason) throws Exception;

    /** The settings the profile asked for, as defaults the provider may apply as they are or adjust. */
    default TunnelNetworkSettings adjustSettings(TunnelNetworkSettings fromProfile) { return fromProfile; }
}
