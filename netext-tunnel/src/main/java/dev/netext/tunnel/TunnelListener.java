package dev.netext.tunnel;

import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;

/** What a {@link TunnelRuntime} reports while it runs. Called on the runtime's threads: return quickly. */
public interface TunnelListener {
    TunnelListener NONE = new TunnelListener() {};

    default void statusChanged(String tunnel, ProviderStatus from, ProviderStatus to) {}

    default void pathChanged(String tunnel, PathEvent event) {}

    default void log(String tunnel, String message) {}

    default void failed(String tunnel, Throwable cause) {}
}
