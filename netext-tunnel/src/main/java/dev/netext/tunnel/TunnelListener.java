package dev.netext.tunnel;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import java.util.Map;

/** What a {@link TunnelRuntime} reports while it runs. Called on the runtime's threads: return quickly. */
public interface TunnelListener {
    TunnelListener NONE = new TunnelListener() {};

    default void statusChanged(String tunnel, ProviderStatus from, ProviderStatus to) {}

    default void pathChanged(String tunnel, PathEvent event) {}

    default void log(String tunnel, String message) {}

    default void failed(String tunnel, Throwable cause) {}

    /**
     * An event the provider published ({@code ProviderContext.publish}); a host with an event log records it there,
     * this default logs it.
     */
    default void published(String tunnel, String type, Map<String, String> attributes, long flowId) {
        log(tunnel, "event " + type + " " + attributes + (flowId == ProviderEvent.NO_FLOW ? "" : " flow " + flowId));
    }
}
