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
 * The first answer to a client socket not seen before, held back until that socket's process is named or a small
 * bound passes ({@link DnsServerConfig#attributionHoldMillis}): a one-shot client ({@code dig}, a script's lookup)
 * closes its socket and exits as soon as it has its answer, and then nothing names it any more. Holding the answer
 * keeps the socket, and the process, alive while {@link ClientProcesses} looks.
 *
 * <p>Nothing waits on an I/O thread: the answer is copied, and whichever comes first — the attribution's completion
 * or a timer on the listener channel's event loop — sends it, once, from that event loop. Repeat queries from a
 * known socket, and every query when nobody wants the process, never come here.
 */
final class HeldAnswers {
    private HeldAnswers() {}

    static void send(CompletableFuture<ProcessInfo> process, long holdNanos, Responder to, byte[] msg, int length,
                     DnsServerStats stats) {
        byte[] copy = Arrays.copyOf(msg, length);
        EventExecutor loop = to.executor();
        long t0 = System.nanoTime();
        AtomicBoolean sent = new AtomicBoolean();
        ScheduledFuture<?> timer;
        try {
            timer = loop.schedule(() -> {
                if (!sent.compareAndSet(false, true)) return;
                stats.holdExpired.increment();
                stats.heldNanos.add(System.nanoTime() - t0);
                to.send(copy, length);
            }, holdNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            to.send(copy, length); // the loop is shutting down: no reason to hold
            return;
        }
        stats.held.increment();
        process.whenComplete((p, err) -> {
            Runnable release = () -> {
                if (!sent.compareAndSet(false, true)) return;
                timer.cancel(false);
                stats.heldNanos.add(System.nanoTime() - t0);
                to.send(copy, length);
            };
            if (loop.inEventLoop()) release.run();
            else {
                try {
                    loop.execute(release);
                } catch (RejectedExecutionException e) {
                    release.run();
                }
            }
        });
    }
}
