package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;

/**
 * Builds an event once the {@link EventLog} has chosen its sequence number and timestamp, so that the event is
 * created with the numbers it is recorded under (no copy, no reordering between numbering and recording).
 */
@FunctionalInterface
public interface EventStamp {
    ProviderEvent make(long sequence, long monotonicNanos);
}
