package dev.netext.daemon.server;

import dev.netext.api.Provider;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.supervisor.CallFailed;
import dev.netext.daemon.supervisor.ProviderRun;
import dev.netext.daemon.supervisor.ProviderLauncher;
import dev.netext.daemon.supervisor.ProviderSupervisor;
import dev.netext.daemon.profile.Profile;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * A section whose engine hosts its provider — the DNS proxy, the packet filter, the flow engine. The engine's life
 * is the {@link ProviderSupervisor}'s, as a tunnel's is: a launch that throws (a port in use, say) or an engine that
 * ends on its own ({@link #ending}) is a crash, reported and retried per the restart policy, while the profile's
 * other sections keep running; a memory budget counts every platform thread the engine and its provider start
 * (soft: {@link #memoryPressure}; hard: closed with {@link StopReason#MEMORY_LIMIT}, not restarted until
 * {@code netext up} or a reload). Subclasses say how to launch, close and describe their engine.
 *
 * <p>{@link #start} waits for the first launch, so status answers at once whether the engine came up.
 */
abstract class EngineComponent<E> implements ProfileComponent {
    final Profile profile;
    final DaemonServices services;
    private ProviderSupervisor<E> supervisor; // made at the first start: the factories' tests make components without services

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
    final E running() {
        ProviderSupervisor<E> s = supervisor();
        return s == null ? null : s.instance();
    }

    /**
     * How to wait for the engine to end on its own (the wait returns why), or null — the default — for an engine
     * that cannot: it is not watched.
     */
    Callable<Throwable> ending(E engine) { return null; }

    /** Restarts of the provider inside a running engine (a supervised custom provider), for status. */
    long restarts(E engine) { return 0; }

    /** The last provider failure inside a running engine that did not end it, or null. */
    String providerError(E engine) { return null; }

    /** Warns the engine's provider of the soft limit, where its API has {@code onMemoryPressure}; by default no-op. */
    void memoryPressure(E engine, ProviderEvent.MemoryBudgetExceeded event) {}

    private synchronized ProviderSupervisor<E> supervisor() { return supervisor; }

    /**
     * An app's message to the provider {@code provider} finds in the running engine, through the supervisor's
     * bounded, capped {@code ask}: for the sections whose engine holds its provider itself.
     */
    final byte[] askProvider(Function<E, Provider> provider, byte[] data, Duration timeout)
            throws CallFailed, InterruptedException {
        ProviderSupervisor<E> s = supervisor();
        if (s == null) throw new IllegalStateException(kind() + " " + profile.name() + " is not running (stopped)");
        byte[] reply = s.ask(e -> () -> provider.apply(e).handleAppMessage(data), timeout, "handleAppMessage");
        return reply == null ? new byte[0] : reply;
    }

    @Override
    public final void start() {
        ProviderSupervisor<E> s;
        synchronized (this) {
            if (supervisor == null)
                supervisor = new ProviderSupervisor<>(profile.name(), kind(), services.restartPolicy(), services.events(),
                        profile.memory().orElse(null), new Launcher());
            s = supervisor;
        }
        s.startAndWait();
    }

    @Override
    public final void stop(StopReason reason) {
        ProviderSupervisor<E> s = supervisor();
        if (s != null) s.stop(reason);
    }

    @Override
    public final ComponentStatus status() {
        ProviderSupervisor<E> s = supervisor();
        Map<String, Long> counters = new LinkedHashMap<>();
        E engine = s == null ? null : s.instance();
        if (engine == null) {
            if (s != null) s.counters(counters);
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, provider(), s == null ? "stopped" : s.state(),
                    s == null ? 0 : s.restarts(), s == null ? null : s.lastError(), counters);
        }
        s.counters(counters);
        String inner = providerError(engine);
        return new ComponentStatus(kind(), ProviderStatus.CONNECTED, provider(), detail(engine),
                s.restarts() + restarts(engine), inner != null ? inner : s.lastError(), counters);
    }

    /** An engine section's own part of its life: the subclass's launch and close, and its end watched. */
    private final class Launcher implements ProviderLauncher<E> {
        @Override
        public E launch(ProviderRun<E> run) throws Exception {
            E engine = EngineComponent.this.launch();
            Callable<Throwable> ending = ending(engine);
            if (ending != null) run.watch(ending);
            return engine;
        }

        @Override public void stop(ProviderRun<E> run, StopReason reason) { close(run.instance(), reason); }

        @Override
        public void memoryPressure(E engine, ProviderEvent.MemoryBudgetExceeded event) {
            EngineComponent.this.memoryPressure(engine, event);
        }
    }
}
