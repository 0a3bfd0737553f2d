package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.memory.EngineMemoryGuard;
import dev.netext.daemon.profile.Profile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A section whose engine starts once and runs until stopped — the DNS proxy, the packet filter, the flow filter. No
 * restart policy: a failure to start is published as an event and shown in the status, and the profile's other
 * sections keep running. Subclasses say how to launch, close and describe their engine.
 *
 * <p>With a {@code memory:} budget in the profile the engine is launched inside an {@link EngineMemoryGuard}'s
 * thread group, so what its threads (and its provider's) allocate is counted: crossing the soft limit publishes
 * {@code MemoryBudgetExceeded(SOFT)} and warns the provider where its API lets it ({@link #memoryPressure}); crossing
 * the hard limit publishes {@code MemoryBudgetExceeded(HARD)} and closes the engine with
 * {@link StopReason#MEMORY_LIMIT} — not restarted until {@code netext up} or a reload replaces the component.
 */
abstract class EngineComponent<E> implements ProfileComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EngineComponent.class);

    final Profile profile;
    final DaemonServices services;
    private final EngineMemoryGuard memory; // null without a budget
    private E engine;
    private String lastError;
    private String stoppedBy;                // the hard limit's reason, until the next start

    EngineComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.services = services;
        this.memory = profile.memory().map(b -> new EngineMemoryGuard(profile.name() + "-" + kind(), b)).orElse(null);
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

    /** Warns the engine's provider of the soft limit, where its API has {@code onMemoryPressure}; by default no-op. */
    void memoryPressure(E engine, ProviderEvent.MemoryBudgetExceeded event) {}

    @Override
    public final synchronized void start() {
        if (engine != null) return;
        try {
            engine = memory == null ? launch() : memory.launch(this::launch);
            lastError = null;
            stoppedBy = null;
            if (memory != null) {
                E started = engine;
                memory.start((limit, used, bytes) -> overBudget(started, limit, used, bytes));
            }
        } catch (Exception e) {
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                    e.getClass().getSimpleName(), lastError, false));
        }
    }

    @Override
    public final synchronized void stop(StopReason reason) {
        if (memory != null) memory.stop();
        if (engine == null) return;
        close(engine, reason);
        engine = null;
    }

    /** The sampler's thread: soft → event, then the provider's pressure listeners; hard → event, then closed. */
    private void overBudget(E started, ProviderEvent.MemoryLimit limit, long used, long limitBytes) {
        ProviderEvent.MemoryBudgetExceeded event = (ProviderEvent.MemoryBudgetExceeded) services.events().publish((s, t) ->
                new ProviderEvent.MemoryBudgetExceeded(s, t, profile.name(), limit, limitBytes, used));
        LOG.warn("{} {}: provider {} allocated {} bytes in {} ms, over its {} limit of {}", kind(), profile.name(), provider(),
                used, memory.budget().window().toMillis(), limit.name().toLowerCase(Locale.ROOT), limitBytes);
        if (limit == ProviderEvent.MemoryLimit.SOFT) {
            try {
                memoryPressure(started, event);
            } catch (RuntimeException e) {
                LOG.warn("{} {}: memory pressure not delivered: {}", kind(), profile.name(), e.toString());
            }
            return;
        }
        synchronized (this) {
            memory.stop();
            if (engine != started) return; // stopped or replaced meanwhile
            // stopped, not restarted: it would cross the limit again; 'netext up' or a reload starts it anew
            stoppedBy = "memory limit: allocated " + used + " bytes in " + memory.budget().window().toMillis()
                    + " ms (hard limit " + limitBytes + ")";
            engine = null;
            close(started, StopReason.MEMORY_LIMIT);
        }
    }

    @Override
    public final synchronized ComponentStatus status() {
        Map<String, Long> counters = new LinkedHashMap<>();
        if (memory != null) memory.counters(counters);
        if (engine == null) {
            String error = stoppedBy != null ? stoppedBy : lastError;
            String detail = stoppedBy != null ? "stopped: " + stoppedBy : lastError == null ? "" : "failed";
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, provider(), detail, 0, error, counters);
        }
        Throwable failure = failure(engine);
        return new ComponentStatus(kind(), failure == null ? ProviderStatus.CONNECTED : ProviderStatus.DISCONNECTED,
                provider(), detail(engine), restarts(engine), failure == null ? providerError(engine) : failure.toString(), counters);
    }
}
