package dev.netext.daemon.memory;

import dev.netext.api.ProviderEvent.MemoryLimit;
import dev.netext.daemon.profile.MemoryBudget;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Turns samples of a provider's cumulative allocation into budget decisions: the bytes allocated within the
 * budget's sliding window (see {@link MemoryBudget} for why allocation and not retained size).
 *
 * <pre>
 *   sample(now, cumulative) → window bytes = cumulative − the oldest sample still inside the window
 *     ≥ hard → HARD (every time: the caller stops the provider)
 *     ≥ soft → SOFT once, re-armed when the window falls back below soft
 *     else   → null
 * </pre>
 *
 * Until a full window has passed, the figure covers the time since the first sample. Not thread-safe: one sampler.
 */
public final class MemoryWatch {
    private final MemoryBudget budget;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {nanos, cumulative}
    private boolean softSignalled;
    private volatile long windowBytes;
    private volatile long peakWindowBytes;

    public MemoryWatch(MemoryBudget budget) {
        this.budget = budget;
    }

    public MemoryBudget budget() { return budget; }

    /** Records a sample; returns the limit newly crossed, or null. */
    public MemoryLimit sample(long nowNanos, long cumulativeBytes) {
        long windowNanos = budget.window().toNanos();
        samples.addLast(new long[] {nowNanos, cumulativeBytes});
        // keep one sample at or before the window's start, so the window is covered whole
        while (samples.size() > 2) {
            Iterator<long[]> it = samples.iterator();
            it.next();
            long[] second = it.next();
            if (nowNanos - second[0] >= windowNanos) samples.removeFirst();
            else break;
        }
        long used = Math.max(0, cumulativeBytes - samples.peekFirst()[1]);
        windowBytes = used;
        peakWindowBytes = Math.max(peakWindowBytes, used);
        if (budget.hardBytes() > 0 && used >= budget.hardBytes()) return MemoryLimit.HARD;
        if (budget.softBytes() > 0 && used >= budget.softBytes()) {
            if (softSignalled) return null;
            softSignalled = true;
            return MemoryLimit.SOFT;
        }
        softSignalled = false;
        return null;
    }

    /** Bytes allocated within the window at the last sample. */
    public long windowBytes() { return windowBytes; }

    /** The largest window figure seen. */
    public long peakWindowBytes() { return peakWindowBytes; }
}
