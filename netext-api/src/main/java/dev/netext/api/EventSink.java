package dev.netext.api;

import java.util.Objects;

/**
 * Where {@link ProviderEvent}s go: the daemon's event log, a metrics exporter, a test's list. Network Extension has no
 * equivalent; providers there log with {@code os_log} and nothing records what they decided.
 *
 * <p>The host calls {@link #accept} in sequence order from whichever thread produced the event; a sink must be
 * thread-safe and must not block for long (hand slow work to a queue). A sink that throws is logged and keeps
 * receiving events.
 */
@FunctionalInterface
public interface EventSink {

    void accept(ProviderEvent event);

    /** A sink that drops everything. */
    static EventSink discard() { return _ -> {} ; }

    /** This sink, then {@code next}; {@code next} still receives the event when this one throws. */
    default EventSink andThen(EventSink next) {
        Objects.requireNonNull(next, "next");
        return event -> {
            try {
                accept(event);
            } finally {
                next.accept(event);
            }
        };
    }
}
