package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One reader of the {@link EventLog}: first the history it asked for, then live events, each matching its filter,
 * in sequence order. Its queue is bounded: when the reader falls behind, new events are dropped for it alone and it
 * reads one {@link LogEntry.Gap} in their place — the producers never wait for a reader.
 *
 * <p>One consumer thread reads ({@link #poll}, {@link #take}); the log offers from producer threads.
 */
public final class Subscription implements AutoCloseable {
    private final EventLog log;
    private final Predicate<ProviderEvent> filter;
    private final int capacity;
    private final ArrayDeque<LogEntry> queue;
    // a run of dropped events not yet reported to the reader
    private long dropFirst, dropLast, dropCount;
    private long droppedTotal;
    private boolean closed;

    Subscription(EventLog log, Predicate<ProviderEvent> filter, int capacity, List<LogEntry> history) {
        this.log = log;
        this.filter = filter;
        this.capacity = Math.max(capacity, 2);
        this.queue = new ArrayDeque<>(Math.max(this.capacity, history.size()));
        queue.addAll(history); // history may exceed capacity once: it was asked for
    }

    /** Called by the log, under its lock, for each new event: never blocks. */
    void offer(ProviderEvent event) {
        if (!filter.test(event)) return;
        synchronized (this) {
            if (closed) return;
            if (dropCount > 0 && queue.size() < capacity - 1) {
                queue.add(new LogEntry.Gap(dropFirst, dropLast, dropCount));
                dropCount = 0;
            }
            if (dropCount == 0 && queue.size() < capacity) {
                queue.add(new LogEntry.Recorded(event));
                if (queue.size() == 1) notifyAll();
                return;
            }
            if (dropCount == 0) dropFirst = event.sequence();
            dropLast = event.sequence();
            dropCount++;
            droppedTotal++;
        }
    }

    /** The next entry, or null if none is waiting. */
    public synchronized LogEntry poll() {
        LogEntry e = queue.poll();
        if (e == null && dropCount > 0) {
            e = new LogEntry.Gap(dropFirst, dropLast, dropCount);
            dropCount = 0;
        }
        return e;
    }

    /** Waits up to {@code timeout} for the next entry; null on timeout or once closed and drained. */
    public LogEntry take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                LogEntry e = poll();
                if (e != null || closed) return e;
                long left = deadline - System.nanoTime();
                if (left <= 0) return null;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Events dropped for this subscriber since it subscribed. */
    public synchronized long dropped() { return droppedTotal; }

    public synchronized boolean isClosed() { return closed; }

    /** Stops delivery; a blocked {@link #take} returns. */
    @Override
    public void close() {
        log.unsubscribe(this);
        synchronized (this) {
            closed = true;
            notifyAll();
        }
    }
}
