package dev.netext.dns.server;

import dev.netext.api.flow.ProcessInfo;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The first answer to a client socket not seen before, held back until that socket's process is named or the hold's
 * {@link HoldBound} passes (attribution worked {@link DnsServerConfig#attributionHoldMillis} on it, or the wall-time
 * ceiling): a one-shot client ({@code dig}, a script's lookup) closes its socket and exits as soon as it has its
 * answer, and then nothing names it any more. Holding the answer keeps the socket, and the process, alive while
 * {@link ClientProcesses} looks.
 *
 * <p>Nothing waits on an I/O thread: the answer is copied, and whichever comes first — the attribution's completion
 * or the bound, checked by a timer on the listener channel's event loop — sends it, once, from that event loop.
 * Repeat queries from a known socket, and every query when nobody wants the process, never come here.
 */
final class HeldAnswers implements Runnable {
    private final HoldBound bound;
    private final HoldBound.Start start;
    private final Responder to;
    private final byte[] copy;
    private final int length;
    private final DnsServerStats stats;
    private final EventExecutor loop;
    private final AtomicBoolean sent = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;

    private HeldAnswers(HoldBound bound, Responder to, byte[] copy, int length, DnsServerStats stats) {
        this.bound = bound;
        this.start = bound.start();
        this.to = to;
        this.copy = copy;
        this.length = length;
        this.stats = stats;
        this.loop = to.executor();
    }

    static void send(CompletableFuture<ProcessInfo> process, HoldBound bound, Responder to, byte[] msg, int length,
                     DnsServerStats stats) {
        HeldAnswers held = new HeldAnswers(bound, to, Arrays.copyOf(msg, length), length, stats);
        try {
            held.timer = held.loop.schedule(held, bound.workNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            to.send(held.copy, length); // the loop is shutting down: no reason to hold
            return;
        }
        stats.held.increment();
        process.whenComplete((p, err) -> {
            if (held.loop.inEventLoop()) held.release(false);
            else {
                try {
                    held.loop.execute(() -> held.release(false));
                } catch (RejectedExecutionException e) {
                    held.release(false);
                }
            }
        });
    }

    /** The timer: the bound passed, or it is checked again when attribution has not worked enough on it yet. */
    @Override
    public void run() {
        if (sent.get()) return;
        long remaining = bound.remainingNanos(start);
        if (remaining == 0) {
            release(true);
            return;
        }
        try {
            timer = loop.schedule(this, remaining, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            release(true);
        }
    }

    private void release(boolean expired) {
        if (!sent.compareAndSet(false, true)) return;
        if (expired) stats.holdExpired.increment();
        else timer.cancel(false);
        stats.heldNanos.add(bound.waitedNanos(start));
        to.send(copy, length);
    }
}
