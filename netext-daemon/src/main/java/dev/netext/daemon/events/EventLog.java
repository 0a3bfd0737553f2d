package dev.netext.daemon.events;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The one ordered event stream of a netext host: every component (tunnel lifecycle, DNS, filter, proxy, packet
 * filter, the daemon itself) writes here, and readers (the control API's {@code events --follow}, the JSON-lines
 * exporter, metrics) read from here.
 *
 * <pre>
 *   producer ─▶ [lock: next sequence, clamp time, ring slot, offer to each subscriber's bounded queue] ─▶ return
 *   reader   ◀─ Subscription: history from the ring, then live entries; a Gap where its queue overflowed
 * </pre>
 *
 * <ul>
 *   <li>Sequence numbers start at 1 and increase by one per event, across all producers; numbering and recording
 *       happen under one lock, so every reader sees events in sequence order.</li>
 *   <li>Timestamps are {@link System#nanoTime()}, clamped so they never go backwards along the sequence;
 *       {@link #wallTime} maps them to wall-clock time for export.</li>
 *   <li>The ring keeps the last {@code ringCapacity} events for late subscribers ({@code netext events} without
 *       {@code --follow}); older ones are gone.</li>
 *   <li>Producers never wait on readers: a full subscriber queue drops the event for that subscriber only.</li>
 * </ul>
 */
public final class EventLog implements EventSink {
    public static final int DEFAULT_RING_CAPACITY = 8192;
    public static final int DEFAULT_SUBSCRIBER_CAPACITY = 4096;

    private final ProviderEvent[] ring;
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
    private final List<EventSink> taps = new CopyOnWriteArrayList<>();
    private final long wallAnchorNanos; // epoch nanos at nanoAnchor
    private final long nanoAnchor;
    private final Object lock = new Object();
    private long lastSequence;
    private long lastNanos = Long.MIN_VALUE;

    public EventLog() {
        this(DEFAULT_RING_CAPACITY);
    }

    public EventLog(int ringCapacity) {
        if (ringCapacity < 1) throw new IllegalArgumentException("ring capacity must be positive");
        this.ring = new ProviderEvent[ringCapacity];
        Instant now = Instant.now();
        this.nanoAnchor = System.nanoTime();
        this.wallAnchorNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Records the event {@code stamp} builds with the next sequence number and the current monotonic time. */
    public ProviderEvent publish(EventStamp stamp) {
        synchronized (lock) {
            long seq = lastSequence + 1;
            long nanos = Math.max(System.nanoTime(), lastNanos);
            ProviderEvent e = stamp.make(seq, nanos);
            if (e.sequence() != seq || e.monotonicNanos() != nanos)
                throw new IllegalArgumentException("stamp ignored its sequence or time: " + e);
            record(e);
            return e;
        }
    }

    /**
     * Records an event numbered elsewhere (a provider host that built it itself): it is copied under this log's next
     * sequence number, keeping its timestamp unless that would go backwards. Never throws for an event.
     */
    @Override
    public void accept(ProviderEvent event) {
        synchronized (lock) {
            long seq = lastSequence + 1;
            long nanos = Math.max(event.monotonicNanos(), lastNanos);
            ProviderEvent e = event.sequence() == seq && event.monotonicNanos() == nanos
                    ? event : Restamp.of(event, seq, nanos);
            record(e);
        }
    }

    private void record(ProviderEvent e) {
        lastSequence = e.sequence();
        lastNanos = e.monotonicNanos();
        ring[(int) (e.sequence() % ring.length)] = e;
        for (Subscription s : subscribers) s.offer(e);
        for (EventSink t : taps) {
            try {
                t.accept(e);
            } catch (RuntimeException ex) {
                System.getLogger(EventLog.class.getName()).log(System.Logger.Level.WARNING, "event tap failed", ex);
            }
        }
    }

    /**
     * A reader of events after {@code afterSequence} (0: everything the ring still holds; {@link #lastSequence()}:
     * only new ones) that match {@code filter}. Registration and the history snapshot happen atomically, so nothing
     * is seen twice or missed. If the ring no longer holds some of the history asked for, it starts with a gap.
     */
    public Subscription subscribe(long afterSequence, Predicate<ProviderEvent> filter, int capacity) {
        synchronized (lock) {
            List<LogEntry> history = new ArrayList<>();
            long oldest = Math.max(1, lastSequence - ring.length + 1);
            long from = Math.max(afterSequence + 1, 1);
            if (from < oldest && afterSequence > 0) history.add(new LogEntry.Gap(from, oldest - 1, -1));
            for (long s = Math.max(from, oldest); s <= lastSequence; s++) {
                ProviderEvent e = ring[(int) (s % ring.length)];
                if (filter.test(e)) history.add(new LogEntry.Recorded(e));
            }
            Subscription sub = new Subscription(this, filter, capacity, history);
            subscribers.add(sub);
            return sub;
        }
    }

    /** The events still in the ring that match {@code filter}, oldest first. */
    public List<ProviderEvent> history(Predicate<ProviderEvent> filter) {
        synchronized (lock) {
            List<ProviderEvent> out = new ArrayList<>();
            for (long s = Math.max(1, lastSequence - ring.length + 1); s <= lastSequence; s++) {
                ProviderEvent e = ring[(int) (s % ring.length)];
                if (filter.test(e)) out.add(e);
            }
            return out;
        }
    }

    /**
     * Adds a sink called synchronously for every event, under the log's lock, in order: for cheap, non-blocking
     * consumers only (counters). Anything slower subscribes.
     */
    public void tap(EventSink sink) { taps.add(sink); }

    void unsubscribe(Subscription s) { subscribers.remove(s); }

    public int subscriberCount() { return subscribers.size(); }

    public long lastSequence() {
        synchronized (lock) {
            return lastSequence;
        }
    }

    /** The wall-clock time of a monotonic timestamp from this log. */
    public Instant wallTime(long monotonicNanos) {
        long epochNanos = wallAnchorNanos + (monotonicNanos - nanoAnchor);
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }

    /** A filter for the events of one flow. */
    public static Predicate<ProviderEvent> flow(long flowId) {
        return e -> Restamp.flowOf(e) == flowId;
    }

    /** The flow an event concerns, or {@link ProviderEvent#NO_FLOW}. */
    public static long flowOf(ProviderEvent e) { return Restamp.flowOf(e); }
}
