package dev.netext.dns.server;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When an answer held for its client's process ({@link HeldAnswers}, a provider thread's wait) stops waiting: once
 * attribution has worked {@code workNanos} on it without naming the client, or {@link #CEILING_NANOS} of wall time
 * passed, whichever is first.
 *
 * <p>The bound counts the attribution worker's CPU time ({@link ClientProcesses#lookupWork}), not wall time: on a loaded
 * machine (load 17 on 2 cores) the worker waits tens of ms for a core before a lookup of ~1 ms CPU even starts, and a
 * wall bound of a few ms then released answers unnamed though naming was not slow, only not yet scheduled. The
 * client is as starved as the worker, so the wall time a hold adds there is time it could not have run anyway. The
 * ceiling stays well under the 2–5 s after which stub resolvers (glibc, musl, c-ares, dig) ask again; a repeat from
 * the same socket is never held.
 */
record HoldBound(long workNanos, LongSupplier work, LongSupplier wall) {
    /** Longest wall time any answer is held, however starved attribution is. */
    static final long CEILING_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Shortest wait between two checks of the bound (the worker's CPU time is read at each). */
    static final long MIN_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Where a hold started: the attribution work and the wall time then. */
    record Start(long work, long wall) {}

    /** A server's bound: {@code millis} of attribution work; null (never hold) when 0 or nothing names clients. */
    static HoldBound of(long millis, ClientProcesses processes) {
        if (millis <= 0 || processes == null || !processes.available()) return null;
        return new HoldBound(TimeUnit.MILLISECONDS.toNanos(millis), processes::lookupWork, System::nanoTime);
    }

    Start start() {
        return new Start(work.getAsLong(), wall.getAsLong());
    }

    /** How long to wait before checking again, or 0 when the hold held since {@code s} is over. */
    long remainingNanos(Start s) {
        long worked = work.getAsLong() - s.work;
        long waited = wall.getAsLong() - s.wall;
        if (worked >= workNanos || waited >= CEILING_NANOS) return 0;
        return Math.max(MIN_RECHECK_NANOS, Math.min(workNanos - worked, CEILING_NANOS - waited));
    }

    /** Nanoseconds of wall time since {@code s}. */
    long waitedNanos(Start s) {
        return wall.getAsLong() - s.wall;
    }
}
