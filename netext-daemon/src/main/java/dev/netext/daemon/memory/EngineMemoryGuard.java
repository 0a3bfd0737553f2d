package dev.netext.daemon.memory;

import dev.netext.api.ProviderEvent.MemoryLimit;
import dev.netext.daemon.profile.MemoryBudget;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The memory budget of one engine component (DNS proxy, packet filter, flow filter): its engine is launched on a
 * platform thread of a {@link ThreadGroup} of its own, so every platform thread the engine and its provider start —
 * event loops, the NFQUEUE decider thread, a custom filter's call executor and loops, DNS helper threads — is in the
 * group and counted by {@link ThreadGroupAllocation}; a sampler of its own (outside the group) feeds
 * {@link MemoryWatch} every window/10 and hands each newly crossed limit to the component.
 *
 * <pre>
 *   launch(c)  → runs c on "netext-engine-PROFILE-KIND" in the group, waits for it, returns what it returned
 *   start(l)   → sampler: MemoryWatch.sample(now, group's allocation) → l.crossed(SOFT|HARD, used, limit)
 *   stop()     → sampler cancelled (the group's counts are kept for status)
 * </pre>
 */
public final class EngineMemoryGuard {
    /** Told of each limit newly crossed, on the sampler's thread. */
    @FunctionalInterface
    public interface Listener {
        void crossed(MemoryLimit limit, long usedBytes, long limitBytes);
    }

    private final String name;
    private final ThreadGroup group;
    private final ThreadGroupAllocation allocation;
    private final MemoryWatch watch;
    private ScheduledExecutorService sampler; // under this

    /**
     * @param name the profile and section, for thread names ({@code web-filter})
     */
    public EngineMemoryGuard(String name, MemoryBudget budget) {
        this.name = name;
        this.group = new ThreadGroup("netext-provider-" + name);
        this.allocation = new ThreadGroupAllocation(group);
        this.watch = new MemoryWatch(budget);
    }

    public MemoryBudget budget() { return watch.budget(); }

    /** The group whose platform threads are counted. */
    public ThreadGroup group() { return group; }

    /** Runs {@code launch} on a platform thread of the group and waits for it: what it starts is in the group. */
    public <T> T launch(Callable<T> launch) throws Exception {
        FutureTask<T> task = new FutureTask<>(launch);
        Thread t = Thread.ofPlatform().group(group).name("netext-engine-" + name).daemon(true).unstarted(task);
        t.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        t.start();
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** Starts sampling (no-op when the JVM does not count per-thread allocation, or when already sampling). */
    public synchronized void start(Listener listener) {
        if (sampler != null || !ThreadGroupAllocation.supported()) return;
        sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("netext-memory-" + name).daemon(true).factory());
        long every = Math.clamp(watch.budget().window().toMillis() / 10, 50, 1000);
        sampler.execute(allocation::total); // threads alive now count from here on (the sampler is its only caller)
        sampler.scheduleAtFixedRate(() -> sample(listener), every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops sampling; returns at once (a sample under way may still report). Never interrupts: the hard limit's
     * listener calls it from the sampler's own thread before closing the engine there.
     */
    public synchronized void stop() {
        if (sampler != null) sampler.shutdown();
        sampler = null;
    }

    private void sample(Listener listener) {
        MemoryLimit crossed = watch.sample(System.nanoTime(), allocation.total());
        if (crossed == null) return;
        long limit = crossed == MemoryLimit.HARD ? watch.budget().hardBytes() : watch.budget().softBytes();
        listener.crossed(crossed, watch.windowBytes(), limit);
    }

    /** The status counters, named as the tunnel component's. */
    public void counters(Map<String, Long> into) {
        into.put("memory_window_bytes", watch.windowBytes());
        into.put("memory_window_peak_bytes", watch.peakWindowBytes());
        into.put("memory_soft_bytes", watch.budget().softBytes());
        into.put("memory_hard_bytes", watch.budget().hardBytes());
    }
}
