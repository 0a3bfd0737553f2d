package dev.netext.api;

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

    /**
     * The kind the host should run this provider as. The default infers it from the provider interface implemented;
     * override only for a class that implements several provider interfaces.
     */
    default ProviderKind kind() {
        return switch (this) {
            case dev.netext.api.tunnel.PacketTunnelProvider _ -> ProviderKind.PACKET_TUNNEL;
            case dev.netext.api.dns.DnsProxyProvider _ -> ProviderKind.DNS_PROXY;
            case dev.netext.api.filter.FilterDataProvider _ -> ProviderKind.FILTER_DATA;
            case dev.netext.api.filter.FilterPacketProvider _ -> ProviderKind.FILTER_PACKET;
            case dev.netext.api.proxy.AppProxyProvider _ -> ProviderKind.APP_PROXY;
            case dev.netext.api.proxy.TransparentProxyProvider _ -> ProviderKind.TRANSPARENT_PROXY;
            default -> throw new IllegalStateException(getClass().getName() + " implements no provider interface");
        };
    }
}
