package dev.netext.dns.server;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A held answer's bound runs on attribution's CPU time: a worker starved of a core keeps the answer held (up to the
 * wall ceiling), a worker that worked the bound without naming the client releases it.
 */
class HoldBoundTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong work = new AtomicLong(5_000 * MS);
    private final AtomicLong wall = new AtomicLong(9_000 * MS);
    private final HoldBound bound = new HoldBound(20 * MS, work::get, wall::get);

    @Test
    void aStarvedWorkerKeepsTheAnswerHeldPastTheBoundInWallTime() {
        HoldBound.Start s = bound.start();
        wall.addAndGet(300 * MS); // 300 ms waiting for a core, 2 ms of lookup
        work.addAndGet(2 * MS);
        assertThat(bound.remainingNanos(s)).isEqualTo(18 * MS);
        assertThat(bound.waitedNanos(s)).isEqualTo(300 * MS);
    }

    @Test
    void theBoundPassesWhenAttributionWorkedItWithoutNamingTheClient() {
        HoldBound.Start s = bound.start();
        wall.addAndGet(25 * MS);
        work.addAndGet(20 * MS);
        assertThat(bound.remainingNanos(s)).isZero();
    }

    @Test
    void theWallCeilingEndsEveryHold() {
        HoldBound.Start s = bound.start();
        wall.addAndGet(HoldBound.CEILING_NANOS - 5 * MS);
        assertThat(bound.remainingNanos(s)).isEqualTo(5 * MS);
        wall.addAndGet(5 * MS);
        assertThat(bound.remainingNanos(s)).isZero();
    }

    @Test
    void checksAreNeverCloserThanTheMinimumRecheck() {
        HoldBound.Start s = bound.start();
        work.addAndGet(20 * MS - 1);
        assertThat(bound.remainingNanos(s)).isEqualTo(HoldBound.MIN_RECHECK_NANOS);
    }
}
