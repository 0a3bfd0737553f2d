package dev.netext.api.proxy;

import dev.netext.api.ProviderContext;

import java.io.IOException;

/** What the host gives a running {@link ProxyProvider}. */
public interface ProxyContext extends ProviderContext {

    /** The rules this proxy is offered flows by. */
    ProxyRules rules();

    /**
     * Replaces the rules, blocking until new flows are matched against them: {@code setTunnelNetworkSettings} with
     * {@code NETransparentProxyNetworkSettings}. Claimed flows are unaffected.
     */
    void setRules(ProxyRules rules);

    /** This proxy's position in the {@link ProxyChain} (its profile order is in {@link ProxyChain.Member#order()}). */
    int chainIndex();

    /**
     * The SO_MARK for upstream sockets whose flows later proxies in the chain should see (see {@link ProxyChain}).
     * Use {@link #bypassMark()} instead to skip every provider.
     */
    int upstreamMark();

    /**
     * Opens a TCP connection to {@code host} (a name, resolved by the host, or an address literal) and {@code port}
     * from netext's network namespace, with the {@linkplain #bypassMark() bypass mark}: no filter or proxy of this
     * host intercepts it, so a proxy can carry a claimed flow to its upstream without seeing it again.
     * {@code NEProvider.createTCPConnection(to:)}. Blocks until connected; throws when the connection fails.
     */
    TcpConnection openTcp(String host, int port) throws IOException;

    /**
     * Opens a UDP socket connected to {@code host} and {@code port}, with the bypass mark, as {@link #openTcp} does
     * for TCP: {@code NEProvider.createUDPSession(to:from:)}.
     */
    UdpSession openUdp(String host, int port) throws IOException;
}
