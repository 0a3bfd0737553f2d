package dev.netext.api.proxy;

/**
 * An app proxy, the per-app VPN: {@code NEAppProxyProvider}. It is offered only flows of processes that match its
 * {@linkplain ProxyRules#apps() app rules} (executable, cgroup, user, container: what identifies an application on
 * Linux, in place of macOS code signatures). Like an NE app proxy it has a connection status and can be started by
 * on-demand rules; otherwise it behaves exactly like a {@link TransparentProxyProvider} and shares its
 * {@link ProxyChain}.
 */
public interface AppProxyProvider extends ProxyProvider {}
