package dev.netext.api.proxy;

import dev.netext.api.Provider;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/**
 * What transparent and app proxies share: {@code NEAppProxyProvider}'s flow handling, which
 * {@code NETransparentProxyProvider} inherits in NE too.
 *
 * <ol>
 *   <li>{@link #handleNewFlow} is called for each new flow that matches the proxy's {@link ProxyRules} and that no
 *       earlier proxy in the {@link ProxyChain} claimed. The flow is held meanwhile: decide quickly, from the flow's
 *       metadata only.</li>
 *   <li>For a claimed flow the host calls {@link #handleTcpFlow} or {@link #handleUdpFlow} on a thread dedicated to
 *       that flow (a virtual thread), so the provider simply blocks on reads and writes. The flow is closed when the
 *       call returns, and aborted if it throws. Pump the second direction with
 *       {@link dev.netext.api.ProviderContext#spawn} or a thread of your own.</li>
 *   <li>Upstream connections come from {@link ProxyContext#openTcp} and {@link ProxyContext#openUdp} (NE's
 *       {@code createTCPConnection}, {@code createUDPSession}): they carry
 *       the bypass mark, so netext's own interception never hands them back to this proxy.</li>
 * </ol>
 *
 * <p>A profile names a proxy class with {@code proxies: - { name: x, order: 3, type: com.example.MyProxy,
 * settings: {…}, include: [...] }}; {@code settings} are {@link #startProxy}'s options. netext runs it isolated (its
 * plugin's class loader, threads of its own) and restarts it with backoff when a call throws; a flow whose
 * {@code handleTcpFlow} throws is reset.
 */
public interface ProxyProvider extends Provider {

    /** Starts the proxy: {@code startProxy(options:completionHandler:)}. Flows arrive after this returns. */
    void startProxy(ProxyContext context, Map<String, Object> options) throws Exception;

    /**
     * Stops the proxy. On a stop of the profile, claimed flows still open are aborted after this returns; when the
     * host stops an instance because it failed ({@code StopReason.PROVIDER_FAILED}), the flows it carries run to
     * their end while a fresh instance takes new ones.
     */
    void stopProxy(StopReason reason) throws Exception;

    /** Claims, declines or rejects a new flow. A call that throws declines. */
    ClaimDecision handleNewFlow(Flow flow);

    /** Carries a claimed TCP flow until it ends. */
    void handleTcpFlow(ProxiedTcpFlow flow) throws Exception;

    /** Carries a claimed UDP flow until it ends. The default rejects UDP: override it before claiming UDP flows. */
    default void handleUdpFlow(ProxiedUdpFlow flow) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " claimed a UDP flow but does not handle UDP");
    }
}
