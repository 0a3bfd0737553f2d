package dev.netext.daemon.supervisor;

import dev.netext.api.ProviderEvent.MemoryBudgetExceeded;
import dev.netext.api.ThrowingRunnable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One instance of a provider from its launch to its end, as {@link ProviderSupervisor} runs it: the executor its
 * calls run on, and the ways provider code reaches the host — each of which turns a failure into a crash of this run
 * (reported once; a run that has ended reports nothing):
 * <ul>
 *   <li>{@link #call}: a call bounded in time; a throw or a timeout is a crash and the answer is then null;</li>
 *   <li>{@link #bounded}: the same for a launch's own calls, whose failure the launch throws;</li>
 *   <li>{@link #submit}: a call nobody waits for; {@link #spawn}: a loop on a platform thread of its own;</li>
 *   <li>{@link #crash}: the provider cancelled itself, or its component saw it end.</li>
 * </ul>
 *
 * @param <I> what the component's launcher made: a provider with what it needs, an engine, a running tunnel
 */
public final class ProviderRun<I> {
    /** App messages one provider instance may have running at once ({@link #ask}). */
    public static final int MAX_MESSAGES_IN_FLIGHT = 8;
    private static final Logger LOG = LoggerFactory.getLogger(ProviderRun.class);

    private final ProviderSupervisor<I> supervisor;
    private final ExecutorService executor;
    private final ClassLoader loader;
    private final List<Consumer<MemoryBudgetExceeded>> pressure = new CopyOnWriteArrayList<>();
    private final AtomicInteger messagesInFlight = new AtomicInteger();
    private volatile I instance;
    /** Crashed or stopped: later failures are not reported. Written under the supervisor's lock. */
    volatile boolean ended;
    volatile long startedNanos; // 0 until serving
    private boolean stopped;    // under this: stop runs once

    ProviderRun(ProviderSupervisor<I> supervisor, ExecutorService executor, ClassLoader loader) {
        this.supervisor = supervisor;
        this.executor = executor;
        this.loader = loader;
    }

    /** The launched instance; null while the launch runs. */
    public I instance() { return instance; }

    void instance(I i) { this.instance = i; }

    /** False once this run has crashed or was stopped. */
    public boolean alive() { return !ended; }

    /** The executor of this run's calls (the component's choice of threads, see {@code ProviderLauncher#executor}). */
    public ExecutorService executor() { return executor; }

    /** Calls the provider on this run's executor; a throw or a timeout is a crash of this run, and the answer null. */
    public <T> T call(Callable<T> c, Duration timeout, String what) {
        if (ended) return null;
        try {
            return bounded(c, timeout, what);
        } catch (CallFailed e) {
            supervisor.crashed(this, e);
        } catch (RejectedExecutionException e) {
            // stopped meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** Calls the provider on this run's executor and waits at most {@code timeout}; a hung call is interrupted. */
    public <T> T bounded(Callable<T> c, Duration timeout, String what) throws CallFailed, InterruptedException {
        Future<T> f = executor.submit(c);
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw CallFailed.threw(what, e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw CallFailed.hung(what, timeout.toMillis());
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    /**
     * An app's message: {@code c} runs on this run's executor (a thread of its own, never a packet loop's) and is
     * waited for at most {@code timeout}, then interrupted. A throw or a timeout is that message's failure — thrown
     * here and published as a {@code provider.message-failed} event — not a crash: the provider keeps serving, as NE
     * does not stop a provider whose {@code handleAppMessage} fails. A provider that does not handle messages
     * ({@link UnsupportedOperationException}) publishes nothing.
     *
     * <p>At most {@link #MAX_MESSAGES_IN_FLIGHT} messages run in the provider at once, counted until the provider's
     * call returns — a call that timed out but ignores its interrupt keeps its thread and its place — so a slow or
     * stuck provider never piles up threads; one more is refused at once ({@link CallFailed#busy}), also an event.
     *
     * @throws IllegalStateException this run has ended meanwhile
     */
    public <T> T ask(Callable<T> c, Duration timeout, String what) throws CallFailed, InterruptedException {
        if (messagesInFlight.incrementAndGet() > MAX_MESSAGES_IN_FLIGHT) {
            messagesInFlight.decrementAndGet();
            CallFailed busy = CallFailed.busy(what, MAX_MESSAGES_IN_FLIGHT);
            supervisor.messageFailed(busy);
            throw busy;
        }
        // the place is given back by the call when it ran, else here: 0 not started, 1 ran, 2 abandoned before it ran
        AtomicInteger state = new AtomicInteger();
        Callable<T> counted = () -> {
            if (!state.compareAndSet(0, 1)) return null;
            try {
                return c.call();
            } finally {
                messagesInFlight.decrementAndGet();
            }
        };
        try {
            return bounded(counted, timeout, what);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException(supervisor.label() + " is not running (stopped meanwhile)");
        } catch (CallFailed e) {
            if (!(e.getCause() instanceof UnsupportedOperationException)) supervisor.messageFailed(e);
            throw e;
        } finally {
            if (state.compareAndSet(0, 2)) messagesInFlight.decrementAndGet();
        }
    }

    /** App messages running in the provider now, timed-out calls that have not returned yet included. */
    public int messagesInFlight() { return messagesInFlight.get(); }

    /** A bounded call whose failure is only logged: the provider's stop, for one. */
    public void quietly(ThrowingRunnable r, Duration timeout, String what) {
        try {
            bounded(() -> {
                r.run();
                return null;
            }, timeout, what);
        } catch (CallFailed | RejectedExecutionException e) {
            LOG.warn("{}: {}", supervisor.label(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code r} on this run's executor without waiting; a throw is a crash of this run. */
    public void submit(ThrowingRunnable r, String what) {
        try {
            executor.execute(() -> {
                try {
                    r.run();
                } catch (Throwable t) {
                    supervisor.crashed(this, CallFailed.threw(what, t));
                }
            });
        } catch (RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    /**
     * Runs a provider's loop on a platform thread of the supervisor's group (so a memory budget counts it), with
     * this run's class loader; a throw ends the run, as does an interrupt that is not this run's own stop.
     */
    public void spawn(String name, ThrowingRunnable loop) {
        Thread t = Thread.ofPlatform().group(supervisor.group()).daemon(true)
                .name("netext-" + supervisor.threadName() + "/" + name).unstarted(() -> {
                    try {
                        loop.run();
                    } catch (InterruptedException e) {
                        if (!ended) supervisor.crashed(this, new CallFailed("thread " + name + " was interrupted", e));
                    } catch (Throwable e) {
                        supervisor.crashed(this, CallFailed.threw("thread " + name, e));
                    }
                });
        if (loader != null) t.setContextClassLoader(loader);
        t.start();
    }

    /** The provider cancelled itself, or its component saw it end: a crash of this run. */
    public void crash(Throwable error) {
        supervisor.crashed(this, error == null ? new IllegalStateException("the provider cancelled itself") : error);
    }

    /**
     * Watches, on a thread of its own, for the instance to end: {@code awaitEnd} blocks until it has and returns why
     * (null when it gives no reason). An end the supervisor did not ask for is a crash; its own stops are not.
     */
    public void watch(Callable<Throwable> awaitEnd) {
        Thread.ofPlatform().name("netext-watch-" + supervisor.threadName()).daemon(true).start(() -> {
            Throwable failure;
            try {
                failure = awaitEnd.call();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failure = e;
            }
            crash(failure != null ? failure : new IllegalStateException("provider stopped on its own"));
        });
    }

    /** The provider's {@code onMemoryPressure}: told of the soft limit on this run's executor. */
    public void onMemoryPressure(Consumer<MemoryBudgetExceeded> listener) {
        pressure.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The hard memory limit the provider is told of; 0 without a budget. */
    public long memoryBudgetBytes() { return supervisor.hardBytes(); }

    /** Tells the provider's pressure listeners, each on this run's executor. */
    public void memoryPressure(MemoryBudgetExceeded event) {
        for (Consumer<MemoryBudgetExceeded> l : pressure) submit(() -> l.accept(event), "onMemoryPressure");
    }

    /** True the first time: the run is stopped once. */
    synchronized boolean markStopped() {
        if (stopped) return false;
        stopped = true;
        return true;
    }
}
