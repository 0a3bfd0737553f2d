package dev.netext.daemon.supervisor;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderEvent.MemoryBudgetExceeded;
import dev.netext.api.ProviderEvent.MemoryLimit;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.memory.EngineMemoryGuard;
import dev.netext.daemon.profile.MemoryBudget;
import dev.netext.daemon.server.RestartPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The life of one provider under the daemon, whatever its kind — tunnel, DNS proxy, packet filter, flow engine,
 * custom filter class, custom proxy class. The component says how to launch and stop one instance
 * ({@link ProviderLauncher}); everything else is here, once:
 *
 * <pre>
 *   start ─▶ [worker] ProviderLauncher.launch(run) on a launch thread, ≤ launchTimeout; its calls to the provider bounded
 *              ok     ─▶ serving; ProviderRestarted(attempt) when it was a restart
 *              throws ─▶ a crash, as below
 *   crash: the launch threw or hung · a bounded call threw or hung · a loop threw · the provider cancelled itself ·
 *          the component saw the instance end (ProviderRun.crash)
 *          ─▶ not serving at once (callers get the component's failure answer)
 *          ─▶ ProviderFailed(error_type, message, will_restart) ─▶ [worker] ProviderLauncher.stop(instance, PROVIDER_FAILED)
 *          ─▶ after RestartPolicy.delay(attempt) (doubling; from 1 again after a stable run): launch again
 *   memory budget: every window/10 ─▶ soft: MemoryBudgetExceeded(SOFT), then the instance's pressure listeners
 *                                    hard: MemoryBudgetExceeded(HARD), stop(MEMORY_LIMIT), not restarted
 *   stop ─▶ [worker] the pending restart cancelled, Launcher.stop(instance, reason); waited for (bounded)
 * </pre>
 *
 * Launches and stops are ordered by one worker thread, so they never race; failures are reported from the thread
 * that saw them, once per run. A launch runs on a platform thread of its own, bounded by the policy's launch timeout
 * (a hung launch is a crash too); the worker and the launch threads are in the supervisor's {@link ThreadGroup} — the
 * memory budget's when there is one, else its creator's — so everything a launch starts lands in the group a budget
 * counts. The worker is made by {@link #start} on the caller's thread and ends with {@link #stop}: threads inherit
 * their creator's network namespace, so every launch runs in the namespace of the thread that started the provider.
 *
 * @param <I> what one launch makes (a provider and its parts, an engine, a running tunnel)
 */
public final class ProviderSupervisor<I> {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderSupervisor.class);
    /** How long {@link #stop} waits for the worker (a launch under way finishes first). */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** How long a hung launch, once interrupted, may take to undo what it made before the failure is reported. */
    private static final Duration ABANDON_GRACE = Duration.ofSeconds(1);

    private final String provider;   // the events' provider: the profile's (or a custom proxy's) name
    private final String label;      // logs: "tunnel office", "filter web"
    private final String threadName; // "tunnel-office"
    private final RestartPolicy policy;
    private final EventSink events;
    private final ProviderLauncher<I> launcher;
    private final EngineMemoryGuard memory; // null without a budget
    private final ThreadGroup group;
    private final AtomicLong sequence = new AtomicLong();
    /** The supervisor whose worker the current thread is. */
    private static final ThreadLocal<ProviderSupervisor<?>> WORKER_OF = new ThreadLocal<>();

    // under this
    private volatile ProviderRun<I> current; // serving; null while down
    private ProviderRun<I> launching;
    private boolean wanted;
    private boolean gaveUp;                  // wanted, but the policy's attempts are used up
    private int attempt;                     // consecutive failures
    private volatile long restarts;
    private volatile String lastError;
    private volatile String state = "stopped";
    private ScheduledFuture<?> pendingRestart;
    private ScheduledThreadPoolExecutor worker; // made by start, ended by stop

    /**
     * @param provider the events' provider name
     * @param kind     the component ({@code tunnel}, {@code filter}, …), for logs and thread names
     * @param budget   the profile's memory budget, or null
     */
    public ProviderSupervisor(String provider, String kind, RestartPolicy policy, EventSink events, MemoryBudget budget,
                              ProviderLauncher<I> launcher) {
        this.provider = provider;
        this.label = kind + " " + provider;
        this.threadName = kind + "-" + provider;
        this.policy = policy;
        this.events = events == null ? EventSink.discard() : events;
        this.launcher = launcher;
        this.memory = budget == null ? null : new EngineMemoryGuard(provider + "-" + kind, budget);
        this.group = memory != null ? memory.group() : Thread.currentThread().getThreadGroup();
    }

    /** One thread, made here, on the caller's thread: it inherits the caller's network namespace. */
    private ScheduledThreadPoolExecutor newWorker() {
        var threads = Thread.ofPlatform().group(group).name("netext-" + threadName).daemon(true).factory();
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> threads.newThread(() -> {
            WORKER_OF.set(this);
            r.run();
        }));
        w.setRemoveOnCancelPolicy(true);
        w.prestartCoreThread();
        return w;
    }

    /**
     * Launches the provider on the worker, unless it is wanted already (running, starting or waiting for a restart);
     * after a hard memory limit stopped it, or once the policy gave up on it, launches it anew. The future completes
     * when this launch has finished, whether it succeeded or crashed.
     */
    public synchronized Future<?> start() {
        if (wanted && !gaveUp) return CompletableFuture.completedFuture(null);
        wanted = true;
        gaveUp = false;
        attempt = 0;
        state = "starting";
        if (memory != null) memory.start(this::overBudget);
        if (worker == null) worker = newWorker();
        return worker.submit(() -> launch(0));
    }

    /** {@link #start}, waiting for the first launch (bounded by the launch's own bounded calls). */
    public void startAndWait() {
        Future<?> f = start();
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("{}: launch: {}", label, e.getCause().toString());
        }
    }

    /**
     * Cancels a pending restart and stops the instance; returns when it is stopped (≤ {@link #STOP_TIMEOUT}). The
     * worker ends with it; a later {@link #start} makes a new one.
     */
    public void stop(StopReason reason) {
        ProviderRun<I> run;
        ScheduledThreadPoolExecutor w;
        synchronized (this) {
            w = worker;
            worker = null;
            wanted = false;
            if (pendingRestart != null) pendingRestart.cancel(false);
            pendingRestart = null;
            run = current;
            current = null;
            if (run != null) run.ended = true;
            state = "stopped";
        }
        if (memory != null) memory.stop();
        onWorker(w, () -> {
            if (run != null) stopRun(run, reason);
        });
        if (w != null) w.shutdown(); // after the launch under way, if any, and the stop
    }

    /**
     * An app's message to the serving instance ({@code netext message}): {@link ProviderRun#ask} of the current run.
     *
     * @throws IllegalStateException the provider is not serving (starting, restarting, stopped)
     */
    public <T> T ask(Function<I, Callable<T>> ask, Duration timeout, String what) throws CallFailed, InterruptedException {
        ProviderRun<I> run = current;
        if (run == null) throw new IllegalStateException(label + " is not running (" + state + ")");
        return run.ask(ask.apply(run.instance()), timeout, what);
    }

    /** An app's message failed: an event, never a crash. */
    void messageFailed(CallFailed e) {
        publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, provider, 0, "provider.message-failed",
                Map.of("error_type", CallFailed.errorType(e), "message", e.getMessage())));
    }

    /** The serving run, or null while the provider is down (crashed, restarting, stopped). */
    public ProviderRun<I> run() { return current; }

    /** The serving instance, or null. */
    public I instance() {
        ProviderRun<I> r = current;
        return r == null ? null : r.instance();
    }

    public boolean serving() { return current != null; }

    /** Restarts so far: successful launches after a crash. */
    public long restarts() { return restarts; }

    /** The last crash (its {@code ProviderFailed} message), or null. */
    public String lastError() { return lastError; }

    /** One line: {@code starting}, {@code running}, {@code restarting in 2000 ms after: …}, {@code failed: …}, … */
    public String state() { return state; }

    /** The memory counters for status (none without a budget). */
    public void counters(Map<String, Long> into) {
        if (memory != null) memory.counters(into);
    }

    /** The hard memory limit, 0 without a budget. */
    public long hardBytes() { return memory == null ? 0 : memory.budget().hardBytes(); }

    String label() { return label; }

    String threadName() { return threadName; }

    ThreadGroup group() { return group; }

    // ---- worker ----

    private void launch(int restartAttempt) {
        ProviderRun<I> run;
        synchronized (this) {
            pendingRestart = null;
            if (!wanted || current != null) return;
            run = new ProviderRun<>(this, launcher.executor(group, threadName), launcher.loader());
            launching = run;
        }
        I instance;
        try {
            instance = launchBounded(run);
        } catch (Throwable t) {
            crashed(run, t);
            synchronized (this) {
                launching = null;
            }
            stopRun(run, StopReason.PROVIDER_FAILED);
            return;
        }
        run.instance(instance);
        boolean keep;
        synchronized (this) {
            launching = null;
            keep = wanted && !run.ended;
            if (keep) {
                run.startedNanos = System.nanoTime();
                current = run;
                state = "running";
                if (restartAttempt > 0) restarts++;
            } else {
                run.ended = true;
            }
        }
        if (!keep) {
            stopRun(run, wanted ? StopReason.PROVIDER_FAILED : StopReason.USER_INITIATED);
            return;
        }
        LOG.info("{}: started{}", label, restartAttempt > 0 ? " again, attempt " + restartAttempt : "");
        if (restartAttempt > 0) publish((s, t) -> new ProviderEvent.ProviderRestarted(s, t, provider, restartAttempt));
    }

    /**
     * Runs the launch on a platform thread of its own in the group (what it starts lands there too) and waits at most
     * the policy's launch timeout. A hung launch is interrupted and abandoned; should it return after all, what it
     * made is stopped at once.
     */
    private I launchBounded(ProviderRun<I> run) throws Throwable {
        FutureTask<I> task = new FutureTask<>(() -> launcher.launch(run));
        Thread t = Thread.ofPlatform().group(group).daemon(true).name("netext-" + threadName + "-launch").unstarted(task);
        t.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        t.start();
        Duration limit = policy.launchTimeout();
        try {
            return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.interrupted(); // the worker lives on
            t.interrupt();
            try {
                t.join(ABANDON_GRACE); // a launch that heeds the interrupt undoes what it made before the next one
            } catch (InterruptedException ignored) {
                // closing
            }
            Thread.ofVirtual().name("netext-" + threadName + "-late-launch").start(() -> {
                try {
                    run.instance(task.get());
                    stopRun(run, StopReason.PROVIDER_FAILED);
                } catch (Exception ignored) {
                    // it failed after all: nothing was made
                }
            });
            throw CallFailed.hung("launch", limit.toMillis());
        }
    }

    /** Stops a run once: the launcher's stop, then its executor goes (a call still running is interrupted). */
    private void stopRun(ProviderRun<I> run, StopReason reason) {
        if (run.instance() == null) { // nothing launched (yet): only its calls go
            run.executor().shutdownNow();
            return;
        }
        if (!run.markStopped()) return;
        try {
            launcher.stop(run, reason);
        } catch (RuntimeException e) {
            LOG.warn("{}: stop failed: {}", label, e.toString());
        } finally {
            run.executor().shutdownNow();
        }
    }

    /** A run failed: report it (once per run), stop it, schedule the next launch. Any thread. */
    void crashed(ProviderRun<I> run, Throwable error) {
        String message = CallFailed.message(error);
        int next;
        boolean again;
        Duration delay;
        synchronized (this) {
            if (run.ended) return;
            run.ended = true;
            if (!wanted || (current != run && launching != run)) return; // stopped, or a run already left
            if (current == run) current = null;
            attempt = run.startedNanos != 0 && System.nanoTime() - run.startedNanos >= policy.stableAfter().toNanos()
                    ? 1 : attempt + 1;
            next = attempt;
            again = policy.gives(next);
            delay = policy.delay(next);
            lastError = message;
            gaveUp = !again;
            state = again ? "restarting in " + delay.toMillis() + " ms after: " + message : "failed: " + message;
        }
        LOG.warn("{}: provider failed{}: {}", label, again ? ", restarting in " + delay.toMillis() + " ms" : ", not restarted",
                message);
        publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, provider, CallFailed.errorType(error), message, again));
        synchronized (this) {
            if (worker != null) {
                worker.execute(() -> stopRun(run, StopReason.PROVIDER_FAILED)); // after the launch, when it is under way
                if (again && wanted)
                    pendingRestart = worker.schedule(() -> launch(next), delay.toNanos(), TimeUnit.NANOSECONDS);
                return;
            }
        }
        stopRun(run, StopReason.SHUTDOWN); // stopped meanwhile: its worker is gone
    }

    /** The budget's sampler: soft → event, then the provider is warned; hard → event, then stopped for good. */
    private void overBudget(MemoryLimit limit, long used, long limitBytes) {
        MemoryBudgetExceeded event = (MemoryBudgetExceeded) publish((s, t) ->
                new MemoryBudgetExceeded(s, t, provider, limit, limitBytes, used));
        LOG.warn("{}: provider allocated {} bytes in {} ms, over its {} limit of {}", label, used,
                memory.budget().window().toMillis(), limit.name().toLowerCase(Locale.ROOT), limitBytes);
        ProviderRun<I> run = current;
        if (limit == MemoryLimit.SOFT) {
            if (run == null) return;
            run.memoryPressure(event);
            try {
                launcher.memoryPressure(run.instance(), event);
            } catch (RuntimeException e) {
                LOG.warn("{}: memory pressure not delivered: {}", label, e.toString());
            }
            return;
        }
        // stopped, not restarted: it would cross the limit again; 'netext up' or a reload starts it anew
        String why = "memory limit: allocated " + used + " bytes in " + memory.budget().window().toMillis()
                + " ms (hard limit " + limitBytes + ")";
        memory.stop();
        synchronized (this) {
            wanted = false;
            if (pendingRestart != null) pendingRestart.cancel(false);
            pendingRestart = null;
            current = null;
            if (run != null) run.ended = true;
            lastError = why;
            state = "stopped: " + why;
        }
        ScheduledThreadPoolExecutor w;
        synchronized (this) {
            w = worker;
        }
        if (run != null) onWorker(w, () -> stopRun(run, StopReason.MEMORY_LIMIT));
    }

    /** Runs {@code task} on worker {@code w} and waits (≤ {@link #STOP_TIMEOUT}); on the worker itself or none, runs it. */
    private void onWorker(ScheduledThreadPoolExecutor w, Runnable task) {
        if (w == null || WORKER_OF.get() == this) {
            task.run();
            return;
        }
        try {
            w.submit(task).get(STOP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.run(); // closed: nothing else runs there any more
        } catch (ExecutionException e) {
            LOG.warn("{}: stop failed", label, e.getCause());
        } catch (TimeoutException e) {
            LOG.warn("{}: did not stop within {} (a launch still running?)", label, STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ProviderEvent publish(Stamp stamp) {
        ProviderEvent e = stamp.make(sequence.incrementAndGet(), System.nanoTime());
        try {
            events.accept(e);
        } catch (RuntimeException x) {
            LOG.warn("{}: event not published: {}", label, x.toString());
        }
        return e;
    }

    /** An event made with its numbers (the daemon's log renumbers what it records). */
    private interface Stamp {
        ProviderEvent make(long sequence, long monotonicNanos);
    }
}
