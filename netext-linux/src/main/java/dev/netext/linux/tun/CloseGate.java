package dev.netext.linux.tun;

import dev.netext.linux.sys.Latches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets {@code close()} release file descriptors without racing threads that are using them.
 *
 * <p>Closing an fd while another thread is inside {@code read} or {@code poll} on it is a classic bug: the number can
 * be reused by an unrelated {@code open} before the other thread's next call, which then reads or writes someone
 * else's file. So every I/O call {@link #enter}s the gate (a counter), and close first marks the gate closed (no new
 * entries), wakes blocked callers through the device's eventfd, waits until the counter drains, and only then closes
 * the fds. The counter and the closed bit live in one int so that "closed" and "count" change atomically together.
 * Entering and leaving is one CAS each: no allocation, no lock.
 */
final class CloseGate {
    private static final Logger log = LoggerFactory.getLogger(CloseGate.class);
    private static final int CLOSED = Integer.MIN_VALUE;

    private final AtomicInteger state = new AtomicInteger();
    private final CountDownLatch finished = new CountDownLatch(1);

    /** Registers a user; false once closing has begun, and then the caller must not touch the fds. */
    boolean enter() {
        for (;;) {
            int s = state.get();
            if (s < 0) return false;
            if (state.compareAndSet(s, s + 1)) return true;
        }
    }

    void exit() {
        state.decrementAndGet();
    }

    boolean isClosed() {
        return state.get() < 0;
    }

    /** Marks the gate closed. True for exactly one caller: the one that must release the resources. */
    boolean beginClose() {
        for (;;) {
            int s = state.get();
            if (s < 0) return false;
            if (state.compareAndSet(s, s | CLOSED)) return true;
        }
    }

    /**
     * Waits until every user has left. Users blocked in poll have been woken by the eventfd and leave within
     * microseconds, so a short park loop is enough; a user that does not leave is a bug worth a log line, but the
     * fds are still not closed under it.
     */
    void awaitIdle(String what) {
        long start = System.nanoTime();
        long nextWarning = TimeUnit.SECONDS.toNanos(5);
        while ((state.get() & ~CLOSED) != 0) {
            LockSupport.parkNanos(50_000);
            long waited = System.nanoTime() - start;
            if (waited > nextWarning) {
                log.warn("{}: still waiting for {} I/O call(s) to return before closing", what, state.get() & ~CLOSED);
                nextWarning += TimeUnit.SECONDS.toNanos(5);
            }
        }
    }

    void markFinished() {
        finished.countDown();
    }

    /** For second and later close() callers: returns once the first has released everything. */
    void awaitFinished() {
        Latches.awaitUninterruptibly(finished);
    }
}
