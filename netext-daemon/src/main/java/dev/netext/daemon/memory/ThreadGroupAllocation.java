package dev.netext.daemon.memory;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import com.sun.management.ThreadMXBean;

/**
 * Heap bytes allocated so far by the platform threads of one {@link ThreadGroup} — a provider's threads: the
 * component's worker runs the provider's start in the group, so every thread the provider starts lands in it (loops
 * spawned through its context and threads it makes itself alike; virtual threads do not, they have a group of their
 * own).
 *
 * <p>{@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} counts per live thread; a thread's count is
 * folded into the total at each {@link #total()} call, so a thread that ends keeps what it had allocated up to the
 * last call (what it allocated after that is missed). Not thread-safe: one sampler.
 */
public final class ThreadGroupAllocation {
    private static final ThreadMXBean THREADS = threads();

    private final ThreadGroup group;
    private final Map<Long, Long> lastSeen = new HashMap<>();
    private long total;

    public ThreadGroupAllocation(ThreadGroup group) {
        this.group = group;
    }

    /** Whether this JVM counts per-thread allocation (HotSpot does unless turned off). */
    public static boolean supported() {
        return THREADS != null && THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled();
    }

    /** Bytes allocated by the group's threads since this object was made (monotonic). */
    public long total() {
        if (!supported()) return 0;
        Thread[] threads = new Thread[group.activeCount() + 8];
        int n = group.enumerate(threads, true);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = threads[i].threadId();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Set<Long> alive = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (bytes[i] < 0) continue; // ended meanwhile
            Long before = lastSeen.put(ids[i], bytes[i]);
            total += bytes[i] - (before == null ? 0 : before); // a thread first seen counts from its start
            alive.add(ids[i]);
        }
        lastSeen.keySet().retainAll(alive);
        return total;
    }

    private static ThreadMXBean threads() {
        return ManagementFactory.getThreadMXBean() instanceof ThreadMXBean t ? t : null;
    }
}
