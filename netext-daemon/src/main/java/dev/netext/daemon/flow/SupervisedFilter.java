package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A custom {@link FilterDataProvider} (a profile's {@code filter.provider} class, from the class path or a plugin jar)
 * run in isolation, as the flow engine's provider:
 *
 * <pre>
 *   engine ─handleNewFlow/…Data/…Complete/flowClosed─▶ this ─▶ the instance's own executor (platform threads named
 *     after the profile, the plugin's class loader as context loader) ─▶ provider   (caller waits ≤ callTimeout)
 *   the call throws, times out, a thread it spawned throws, or it cancels itself  =  a crash:
 *     → this flow and every flow until the restart get the failure verdict (on-failure: allow | drop)
 *     → ProviderFailed (will_restart) · the instance is stopped and its executor shut down
 *     → after RestartPolicy.delay(attempt): a fresh instance, startFilter with the same context and settings
 *       → ProviderRestarted (or another failure, with the next, longer delay)
 * </pre>
 *
 * Interception never stops: the engine keeps its listeners and steering while the provider restarts, so flows are
 * decided (by the failure verdict) rather than left to hang, and the profile's other sections and other profiles
 * never wait for this one. A hung instance is abandoned with its executor, so it cannot starve its successor.
 *
 * <p>Every thread that runs provider code — the call executor's and the loops it spawns — is a platform thread of
 * the {@link ThreadGroup} of the thread that created this supervisor (reused when idle), so a memory budget counts
 * them: the daemon creates it inside its component's budget group ({@code EngineMemoryGuard}). Virtual threads would
 * escape that count ({@code ThreadMXBean} does not report their allocation).
 */
public final class SupervisedFilter implements FilterDataProvider {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedFilter.class);
    /** How long one call into the provider may take before it counts as hung (a crash). */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** How long startFilter and stopFilter may take. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final ResolvedPlugin<FilterDataProvider> plugin;
    private final RestartPolicy policy;
    private final FinalVerdict onFailure;
    private final EventSink events;
    private final AtomicLong sequence = new AtomicLong();
    private final Duration callTimeout;
    private final ScheduledExecutorService supervisor;
    /** Where the provider's threads go: the creator's group, a memory budget's when the daemon runs one. */
    private final ThreadGroup group = Thread.currentThread().getThreadGroup();
    private volatile long memoryBudgetBytes; // 0: none

    private volatile Instance current; // null while crashed or restarting: flows get the failure verdict
    private FilterContext hostContext;  // the engine's, kept for restarts
    private Map<String, Object> options;
    private int attempt;                // consecutive failures
    private long restarts;
    private String lastError;
    private ScheduledFuture<?> pendingRestart;
    private boolean stopped;

    /**
     * @param name      the profile's name: provider of the events
     * @param plugin    the resolved provider class (a fresh instance per start)
     * @param onFailure the verdict on flows while the provider is down
     * @param events    where ProviderFailed / ProviderRestarted go (numbered by the daemon's log when it is one)
     */
    public SupervisedFilter(String name, ResolvedPlugin<FilterDataProvider> plugin, RestartPolicy policy,
                            FinalVerdict onFailure, EventSink events, Duration callTimeout) {
        this.name = name;
        this.plugin = plugin;
        this.policy = policy;
        this.onFailure = onFailure;
        this.events = events;
        this.callTimeout = callTimeout;
        this.supervisor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("netext-filter-supervisor-" + name).daemon(true).factory());
    }

    /** The hard limit the provider is told of ({@code FilterContext.memoryBudgetBytes}); 0 for none. */
    public void memoryBudget(long hardBytes) { this.memoryBudgetBytes = hardBytes; }

    /**
     * Tells the serving instance's {@code onMemoryPressure} listeners, each on the instance's executor (a listener
     * that throws is a crash like any other call). Does nothing while the provider is down.
     */
    public void memoryPressure(ProviderEvent.MemoryBudgetExceeded event) {
        Instance i = current;
        if (i == null) return;
        for (Consumer<ProviderEvent.MemoryBudgetExceeded> l : i.pressure) i.submit(() -> l.accept(event), "onMemoryPressure");
    }

    /** Restarts so far. */
    public synchronized long restarts() { return restarts; }

    /** The last crash, or null. */
    public synchronized String lastError() { return lastError; }

    /** True while an instance is serving (not crashed, not waiting for its restart). */
    public boolean serving() { return current != null; }

    // ---- the engine's side ----

    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) {
        synchronized (this) {
            this.hostContext = context;
            this.options = options == null ? Map.of() : options;
        }
        launch(0); // a start that fails is a crash like any other: reported and retried, interception stays up
    }

    @Override
    public void stopFilter(StopReason reason) {
        Instance i;
        synchronized (this) {
            stopped = true;
            if (pendingRestart != null) pendingRestart.cancel(false);
            i = current;
            current = null;
        }
        if (i != null) i.stop(reason);
        supervisor.shutdownNow();
    }

    @Override
    public FilterVerdict handleNewFlow(Flow flow) {
        Instance i = current;
        if (i == null) return onFailure;
        FilterVerdict v = i.call(() -> i.provider.handleNewFlow(flow), "handleNewFlow");
        return v == null && !i.alive() ? onFailure : v;
    }

    @Override
    public DataVerdict handleOutboundData(Flow flow, long offset, ByteBuffer data) {
        Instance i = current;
        if (i == null) return onFailure;
        DataVerdict v = i.call(() -> i.provider.handleOutboundData(flow, offset, data), "handleOutboundData");
        return v == null && !i.alive() ? onFailure : v;
    }

    @Override
    public DataVerdict handleInboundData(Flow flow, long offset, ByteBuffer data) {
        Instance i = current;
        if (i == null) return onFailure;
        DataVerdict v = i.call(() -> i.provider.handleInboundData(flow, offset, data), "handleInboundData");
        return v == null && !i.alive() ? onFailure : v;
    }

    @Override
    public FinalVerdict handleOutboundDataComplete(Flow flow) {
        Instance i = current;
        if (i == null) return onFailure;
        FinalVerdict v = i.call(() -> i.provider.handleOutboundDataComplete(flow), "handleOutboundDataComplete");
        return v == null && !i.alive() ? onFailure : v;
    }

    @Override
    public FinalVerdict handleInboundDataComplete(Flow flow) {
        Instance i = current;
        if (i == null) return onFailure;
        FinalVerdict v = i.call(() -> i.provider.handleInboundDataComplete(flow), "handleInboundDataComplete");
        return v == null && !i.alive() ? onFailure : v;
    }

    /** May block on the network by contract: its failures are the provider's answer (the fallback), not a crash. */
    @Override
    public void fetchRules(Flow flow) throws Exception {
        Instance i = current;
        if (i == null) throw new IllegalStateException("filter " + name + " is restarting");
        i.fetchRules(flow);
    }

    @Override
    public void handleFlowClosed(Flow flow, long inboundBytes, long outboundBytes) {
        Instance i = current;
        if (i != null) i.submit(() -> i.provider.handleFlowClosed(flow, inboundBytes, outboundBytes), "handleFlowClosed");
    }

    // ---- lifecycle ----

    /** Creates and starts an instance on the calling thread; a failure goes through {@link #crashed}. */
    private void launch(int restartAttempt) {
        FilterContext host;
        Map<String, Object> opts;
        synchronized (this) {
            if (stopped) return;
            host = hostContext;
            opts = options;
        }
        Instance i = new Instance();
        try {
            i.start(host, opts);
        } catch (Throwable t) {
            if (t instanceof InterruptedException) Thread.currentThread().interrupt();
            crashed(i, t);
            return;
        }
        boolean keep;
        synchronized (this) {
            keep = !stopped && !i.crashed;
            if (keep) {
                current = i;
                if (restartAttempt > 0) restarts++;
            }
        }
        if (!keep) {
            i.stop(StopReason.USER_INITIATED);
            return;
        }
        LOG.info("filter {}: {} ({}) started{}", name, plugin.type().getName(), plugin.origin(),
                restartAttempt > 0 ? " again, attempt " + restartAttempt : "");
        if (restartAttempt > 0) publish((s, t) -> new ProviderEvent.ProviderRestarted(s, t, name, restartAttempt));
    }

    /** An instance failed: report it, stop it, and schedule a fresh one. Only the first failure of an instance counts. */
    private void crashed(Instance i, Throwable error) {
        int next;
        boolean willRestart;
        synchronized (this) {
            if (i.crashed) return;
            i.crashed = true;
            if (stopped) return; // failing while being stopped: nothing to report or restart
            if (current == i) current = null;
            attempt = i.startedNanos != 0 && System.nanoTime() - i.startedNanos >= policy.stableAfter().toNanos() ? 1 : attempt + 1;
            next = attempt;
            willRestart = policy.gives(next);
            lastError = describe(error);
        }
        String message = describe(error);
        LOG.warn("filter {}: provider {} failed{}: {}", name, plugin.type().getName(),
                willRestart ? ", restarting in " + policy.delay(next).toMillis() + " ms" : ", not restarted", message);
        publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, name, rootOf(error).getClass().getSimpleName(), message, willRestart));
        try {
            supervisor.execute(() -> i.stop(StopReason.PROVIDER_FAILED));
            if (willRestart) {
                synchronized (this) {
                    if (!stopped)
                        pendingRestart = supervisor.schedule(() -> launch(next), policy.delay(next).toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            i.stop(StopReason.SHUTDOWN); // stopped meanwhile: nothing to restart
        }
    }

    private void publish(dev.netext.daemon.events.EventStamp stamp) {
        try {
            events.accept(stamp.make(sequence.incrementAndGet(), System.nanoTime()));
        } catch (RuntimeException e) {
            LOG.warn("filter {}: event not published: {}", name, e.toString());
        }
    }

    /** The provider's own exception: what a {@link CallFailed} or an {@link ExecutionException} wraps. */
    private static Throwable rootOf(Throwable t) {
        return (t instanceof CallFailed || t instanceof ExecutionException) && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(Throwable t) {
        if (t instanceof CallFailed) return t.getMessage();
        Throwable r = rootOf(t);
        return r.getMessage() == null ? r.toString() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    /** Which call of the provider failed and how; its cause (if any) is the provider's exception. */
    private static final class CallFailed extends Exception {
        CallFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One provider instance with the executor its calls run on. */
    private final class Instance {
        final FilterDataProvider provider;
        final ExecutorService executor;
        final java.util.List<Consumer<ProviderEvent.MemoryBudgetExceeded>> pressure = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean crashed;
        volatile long startedNanos;

        Instance() {
            ClassLoader loader = plugin.classLoader();
            ThreadGroupFactory f = new ThreadGroupFactory(loader);
            this.executor = Executors.newCachedThreadPool(f);
            // the constructor runs plugin code too: on the plugin's loader, never on the engine's threads
            this.provider = run(plugin::create, START_TIMEOUT, "constructor");
        }

        boolean alive() { return !crashed; }

        void start(FilterContext host, Map<String, Object> opts) throws Exception {
            if (provider == null) throw new IllegalStateException("the provider could not be created");
            FilterContext mine = new IsolatedContext(host, this);
            run(() -> {
                provider.startFilter(mine, opts);
                return null;
            }, START_TIMEOUT, "startFilter");
            if (crashed) throw new IllegalStateException(lastError());
            startedNanos = System.nanoTime();
        }

        /** Calls the provider on its executor; a throw or a timeout is a crash, and the answer is then null. */
        <T> T call(Callable<T> c, String what) {
            return run(c, callTimeout, what);
        }

        private <T> T run(Callable<T> c, Duration timeout, String what) {
            if (crashed) return null;
            Future<T> f;
            try {
                f = executor.submit(c);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return null; // stopped meanwhile
            }
            try {
                return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                crashed(this, new CallFailed(what + " threw " + describe(e.getCause()), e.getCause()));
            } catch (TimeoutException e) {
                f.cancel(true);
                crashed(this, new CallFailed(what + " did not return within " + timeout.toMillis() + " ms", new TimeoutException()));
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
            }
            return null;
        }

        void submit(ThrowingRunnable r, String what) {
            try {
                executor.execute(() -> {
                    try {
                        r.run();
                    } catch (Throwable t) {
                        crashed(this, new CallFailed(what + " threw " + describe(t), t));
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopped meanwhile
            }
        }

        void fetchRules(Flow flow) throws Exception {
            Future<?> f = executor.submit(() -> {
                provider.fetchRules(flow);
                return null;
            });
            try {
                f.get(START_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception x) throw x;
                throw e;
            } catch (TimeoutException e) {
                f.cancel(true);
                throw e;
            }
        }

        /** stopFilter (bounded), then the executor goes: a thread it still runs is interrupted and abandoned. */
        void stop(StopReason reason) {
            try {
                if (provider != null && startedNanos != 0) {
                    Future<?> f = executor.submit(() -> {
                        provider.stopFilter(reason);
                        return null;
                    });
                    f.get(START_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (ExecutionException e) {
                LOG.warn("filter {}: stopFilter threw {}", name, describe(e.getCause()));
            } catch (TimeoutException | java.util.concurrent.RejectedExecutionException e) {
                LOG.warn("filter {}: stopFilter did not finish: {}", name, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                executor.shutdownNow();
            }
        }
    }

    /** Platform threads of {@link #group} named after the profile, with the plugin's loader as their context loader. */
    private final class ThreadGroupFactory implements java.util.concurrent.ThreadFactory {
        private final ClassLoader loader;
        private final java.util.concurrent.ThreadFactory base =
                Thread.ofPlatform().group(group).daemon(true).name("netext-filter-" + name + "-", 0).factory();

        ThreadGroupFactory(ClassLoader loader) {
            this.loader = loader;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = base.newThread(r);
            if (loader != null) t.setContextClassLoader(loader);
            return t;
        }
    }

    /** The engine's context, except that the provider's own loops and its cancel() are crashes of this instance. */
    private final class IsolatedContext implements FilterContext {
        private final FilterContext host;
        private final Instance instance;

        IsolatedContext(FilterContext host, Instance instance) {
            this.host = host;
            this.instance = instance;
        }

        @Override public FilterControl control() { return host.control(); }

        @Override public String name() { return host.name(); }

        @Override public ProviderKind kind() { return host.kind(); }

        @Override public void log(String message) { host.log(message); }

        @Override public void publish(String type, Map<String, String> attributes, long flowId) { host.publish(type, attributes, flowId); }

        @Override public int bypassMark() { return host.bypassMark(); }

        @Override
        public void spawn(String loopName, ThrowingRunnable loop) {
            Thread t = Thread.ofPlatform().group(group).name("netext-filter-" + name + "/" + loopName).daemon(true).unstarted(() -> {
                try {
                    loop.run();
                } catch (InterruptedException e) {
                    if (!instance.crashed && current == instance)
                        crashed(instance, new CallFailed("thread " + loopName + " was interrupted", e));
                } catch (Throwable e) {
                    crashed(instance, new CallFailed("thread " + loopName + " threw " + describe(e), e));
                }
            });
            if (plugin.classLoader() != null) t.setContextClassLoader(plugin.classLoader());
            t.start();
        }

        @Override public void onPathChange(Consumer<PathEvent> listener) { host.onPathChange(listener); }

        @Override
        public java.util.OptionalLong memoryBudgetBytes() {
            long b = memoryBudgetBytes;
            return b > 0 ? java.util.OptionalLong.of(b) : java.util.OptionalLong.empty();
        }

        @Override
        public void onMemoryPressure(Consumer<ProviderEvent.MemoryBudgetExceeded> listener) {
            instance.pressure.add(java.util.Objects.requireNonNull(listener, "listener"));
        }

        @Override
        public void cancel(Throwable error) {
            crashed(instance, error == null ? new IllegalStateException("the provider cancelled itself") : error);
        }
    }
}
