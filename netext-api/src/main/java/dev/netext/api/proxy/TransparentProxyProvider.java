package dev.netext.api.proxy;

/**
 * A transparent proxy: {@code NETransparentProxyProvider}. It is offered the flows of every process that match its
 * {@link ProxyRules} network rules, redirected to it by the kernel without the applications noticing; it connects
 * upstream itself. Its place among other proxies is explicit: see {@link ProxyChain}.
 */
public interface TransparentProxyProvider extends ProxyProvider {}
