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

    /** The largest message (and reply) the host passes: {@value} bytes; a larger one is refused before the call. */
    int MAX_APP_MESSAGE_BYTES = 1 << 20;

    /**
     * Answers a message from an app ({@code NETunnelProviderSession.sendProviderMessage} → {@code handleAppMessage}):
     * {@code netext message NAME --data …}. Bytes in, bytes out; what they mean is the provider's own protocol.
     *
     * <p>Contract: called only while the tunnel is connected, on a host thread of its own (never a packet loop's,
     * and possibly concurrently with other messages); the message and the reply are at most
     * {@link #MAX_APP_MESSAGE_BYTES}. The host waits a limited time (5 s unless the caller asks otherwise), then
     * interrupts the call and answers the app with a timeout error. A throw is that message's error, reported to the
     * app and as an event; it does not stop or restart the tunnel. A null reply is an empty one.
     *
     * <p>The default does not handle messages: it throws {@link UnsupportedOperationException}, which the host
     * answers with "provider NAME does not handle messages".
     */
    default byte[] handleAppMessage(byte[] message) throws Exception {
        throw new UnsupportedOperationException("does not handle messages");
    }
}
