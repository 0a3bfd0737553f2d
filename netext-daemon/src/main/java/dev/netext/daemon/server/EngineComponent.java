package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.profile.Profile;

import java.util.Map;

/**
 * A section whose engine starts once and runs until stopped — the DNS proxy, the packet filter, the flow filter. No
 * restart policy: a failure to start is published as an event and shown in the status, and the profile's other
 * sections keep running. Subclasses say how to launch, close and describe their engine.
 */
abstract class EngineComponent<E> implements ProfileComponent {
    final Profile profile;
    final DaemonServices services;
    private E engine;
    private String lastError;

    EngineComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.services = services;
    }

    /** The provider reference, for status. */
    abstract String provider();

    abstract E launch() throws Exception;

    abstract void close(E engine, StopReason reason);

    /** One human line about the running engine. */
    abstract String detail(E engine);

    /** The running engine, or null. */
    final synchronized E running() { return engine; }

    /** A failure that ended the engine on its own, or null. */
    Throwable failure(E engine) { return null; }

    /** Restarts of the provider inside a running engine (a supervised custom provider), for status. */
    long restarts(E engine) { return 0; }

    /** The last provider failure inside a running engine that did not end it, or null. */
    String providerError(E engine) { return null; }

    @Override
    public final synchronized void start() {
        if (engine != null) return;
        try {
            engine = launch();
            lastError = null;
        } catch (Exception e) {
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                    e.getClass().getSimpleName(), lastError, false));
        }
    }

    @Override
    public final synchronized void stop(StopReason reason) {
        if (engine == null) return;
        close(engine, reason);
        engine = null;
    }

    @Override
    public final synchronized ComponentStatus status() {
        if (engine == null)
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, provider(), lastError == null ? "" : "failed",
                    0, lastError, Map.of());
        Throwable failure = failure(engine);
        return new ComponentStatus(kind(), failure == null ? ProviderStatus.CONNECTED : ProviderStatus.DISCONNECTED,
                provider(), detail(engine), restarts(engine), failure == null ? providerError(engine) : failure.toString(), Map.of());
    }
}
