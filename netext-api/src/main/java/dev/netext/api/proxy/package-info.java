/**
 * Transparent and app proxies: {@code NETransparentProxyProvider}, {@code NEAppProxyProvider} and their
 * {@code NEAppProxyTCPFlow}/{@code NEAppProxyUDPFlow}. Claimed flows are blocking streams handed to the provider on a
 * thread of their own, rather than objects to open and read with completion handlers.
 *
 * <p>netext adds a defined order between proxies ({@link dev.netext.api.proxy.ProxyChain}): NE leaves undefined which
 * of two transparent proxies sees a flow first, and whether a proxy's upstream connection is seen by the other. Here
 * the order is a sorted, documented value, and a proxy's upstream sockets are offered only to proxies after it.
 */
package dev.netext.api.proxy;
