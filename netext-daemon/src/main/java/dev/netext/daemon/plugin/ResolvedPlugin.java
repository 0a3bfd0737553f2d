package dev.netext.daemon.plugin;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A provider class of any kind that was found and checked ({@link ProviderResolver#resolve(Class, String,
 * java.nio.file.Path, java.util.Set)}, and {@link ProviderResolver#resolve(String, java.nio.file.Path)} for tunnel
 * providers); {@link #create()} makes a fresh instance for each start.
 *
 * @param ref         the reference as the profile wrote it
 * @param origin      where it was found, for messages: {@code built-in}, {@code class path}, {@code /etc/netext/plugins/x.jar}
 * @param type        the provider class, or null for a built-in tunnel provider (whose supplier may build any type)
 * @param classLoader the loader that defined it (use as the thread context loader while it runs)
 * @param factory     makes instances; throws {@link IllegalStateException} when the constructor fails
 */
public record ResolvedPlugin<P>(String ref, String origin, Class<? extends P> type, ClassLoader classLoader,
                                Supplier<P> factory) {
    public ResolvedPlugin {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(factory, "factory");
    }

    public P create() {
        P p = factory.get();
        if (p == null) throw new IllegalStateException("provider '" + ref + "' (" + origin + ") supplied null");
        return p;
    }
}
