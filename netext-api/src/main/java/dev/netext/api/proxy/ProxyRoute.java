package dev.netext.api.proxy;

import dev.netext.api.Verdict;

import java.util.Optional;

/**
 * Where a flow went after the {@link ProxyChain} walk: to the named proxy that claimed it, or direct when every
 * offered proxy declined (or none matched). Recorded once per flow as a {@link dev.netext.api.ProviderEvent.FlowVerdict}
 * with the flow's id, so a flow's history says which proxy carried it — the answer NE leaves undefined.
 */
public record ProxyRoute(Optional<String> proxy) implements Verdict {
    public static final ProxyRoute DIRECT = new ProxyRoute(Optional.empty());

    public ProxyRoute {
        if (proxy == null) proxy = Optional.empty();
        if (proxy.isPresent() && proxy.get().isBlank()) throw new IllegalArgumentException("proxy name is empty");
    }

    public static ProxyRoute via(String proxy) { return new ProxyRoute(Optional.of(proxy)); }

    public boolean isDirect() { return proxy.isEmpty(); }

    @Override
    public String toString() { return proxy.map(p -> "proxy " + p).orElse("direct"); }
}
