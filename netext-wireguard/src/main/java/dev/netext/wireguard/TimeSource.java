package dev.netext.wireguard;

import java.time.Instant;

/**
 * Where the protocol reads the time: a monotonic clock for timers and key ages, and wall time for TAI64N
 * timestamps and {@code wg show}'s latest handshake. Tests pass a fake one and step it.
 */
public interface TimeSource {
    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Wall-clock time. */
    Instant now();

    TimeSource SYSTEM = new TimeSource() {
        @Override public long nanoTime() { return System.nanoTime(); }
        @Override public Instant now() { return Instant.now(); }
    };
}
