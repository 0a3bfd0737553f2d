package dev.netext.daemon.plugin;

import dev.netext.api.tunnel.PacketTunnelProvider;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A provider reference that was found and checked; {@link #create()} makes a fresh instance for each tunnel start.
 *
 * @param ref         the reference as the profile wrote it
 * @param origin      where it was found, for messages: {@code built-in}, {@code class path}, {@code /etc/netext/plugins/x.jar}
 * @param type        the provider class, or null for a built-in (whose supplier may build any type)
 * @param classLoader the loader that defined it (use as the thread context loader while it runs)
 * @param factory     makes instances; throws {@link IllegalStateException} when the constructor fails
 */
public record ResolvedProvider(String ref, String origin, Class<? extends PacketTunnelProvider> type,
                               ClassLoader classLoader, Supplier<PacketTunnelProvider> factory) {

    public ResolvedProvider {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(factory, "factory");
    }

    public PacketTunnelProvider create() {
        PacketTunnelProvider p = factory.get();
        if (p == null) throw new IllegalStateException("provider '" + ref + "' (" + origin + ") supplied null");
        return p;
    }
}
