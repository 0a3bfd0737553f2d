package dev.netext.api;

import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.proxy.AppProxyProvider;
import dev.netext.api.proxy.TransparentProxyProvider;
import dev.netext.api.tunnel.PacketTunnelProvider;

/**
 * Common supertype of every provider interface ({@code NEProvider}). It declares nothing a provider must implement:
 * it exists so the host and tools can hold "a provider" without knowing its kind, and so a provider can say which
 * kind it is when one class could be read either way.
 *
 * <p>Every provider in netext follows the same contract, unlike Network Extension's completion-handler style: the host
 * calls provider methods on threads it owns and waits for them to return. A provider's methods may block; a method
 * that decides something about a flow or packet (a "handle" method) should return quickly because the flow or packet
 * is held while it runs. Long-lived work runs on threads started with {@link ProviderContext#spawn}.
 */
public interface Provider {

    /** The largest message (and reply) the host passes: {@value} bytes; a larger one is refused before the call. */
    int MAX_APP_MESSAGE_BYTES = 1 << 20;

    /**
     * Answers a message from an app ({@code NETunnelProviderSession.sendProviderMessage} → {@code handleAppMessage}):
     * {@code netext message NAME [--provider KIND] --data …}. Bytes in, bytes out; what they mean is the provider's
     * own protocol. Network Extension has it for the {@code NETunnelProvider} kinds (packet tunnel, app proxy,
     * transparent proxy); netext offers it to every kind the daemon hosts — a DNS proxy, a filter's data or packet
     * provider too — so a provider's app has one way to talk to it.
     *
     * <p>Contract: called only while the provider is serving, on a host thread of its own (never a packet or flow
     * loop's, and possibly concurrently with other messages); the message and the reply are at most
     * {@link #MAX_APP_MESSAGE_BYTES}. The host waits a limited time (5 s unless the caller asks otherwise), then
     * interrupts the call and answers the app with a timeout error. A provider has at most a few messages running at
     * once (a call that ignores the interrupt still counts until it returns); more are refused before the call. A
     * throw is that message's error, reported to the app and as an event; it does not stop or restart the provider.
     * A null reply is an empty one.
     *
     * <p>The default does not handle messages: it throws {@link UnsupportedOperationException}, which the host
     * answers with "provider NAME does not handle messages".
     */
    default byte[] handleAppMessage(byte[] message) throws Exception {
        throw new UnsupportedOperationException("does not handle messages");
    }

    /**
     * The kind the host should run this provider as. The default infers it from the provider interface implemented;
     * override only for a class that implements several provider interfaces.
     */
    default ProviderKind kind() {
        return switch (this) {
            case PacketTunnelProvider _ -> ProviderKind.PACKET_TUNNEL;
            case DnsProxyProvider _ -> ProviderKind.DNS_PROXY;
            case FilterDataProvider _ -> ProviderKind.FILTER_DATA;
            case FilterPacketProvider _ -> ProviderKind.FILTER_PACKET;
            case AppProxyProvider _ -> ProviderKind.APP_PROXY;
            case TransparentProxyProvider _ -> ProviderKind.TRANSPARENT_PROXY;
            default -> throw new IllegalStateException(getClass().getName() + " implements no provider interface");
        };
    }
}
