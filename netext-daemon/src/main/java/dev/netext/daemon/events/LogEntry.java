package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;

/**
 * What a {@link Subscription} hands out: an event, or a gap where events this subscriber should have seen were not
 * delivered (it read too slowly, or it asked for history the ring no longer holds).
 */
public sealed interface LogEntry {

    /** One event, in sequence order. */
    record Recorded(ProviderEvent event) implements LogEntry {}

    /**
     * Events between {@code firstSequence} and {@code lastSequence} (inclusive) that matched this subscription were
     * dropped for it; {@code count} of them, or -1 when the count is unknown (history already overwritten).
     * Producers were never slowed down to avoid it.
     */
    record Gap(long firstSequence, long lastSequence, long count) implements LogEntry {
        public Gap {
            if (firstSequence > lastSequence) throw new IllegalArgumentException("empty gap");
        }
    }
}
