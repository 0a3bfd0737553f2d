package dev.netext.wireguard;

import java.time.Duration;
import java.time.Instant;

/** A clock tests step by hand. */
final class FakeTime implements TimeSource {
    private long nanos = 1_000_000_000_000L;
    private Instant wall;

    FakeTime(Instant wall) { this.wall = wall; }

    FakeTime() { this(Instant.parse("2025-06-01T12:00:00Z")); }

    @Override public synchronized long nanoTime() { return nanos; }

    @Override public synchronized Instant now() { return wall; }

    synchronized void advance(Duration d) {
        nanos += d.toNanos();
        wall = wall.plus(d);
    }
}
