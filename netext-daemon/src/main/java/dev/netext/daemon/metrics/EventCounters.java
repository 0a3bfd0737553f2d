package dev.netext.daemon.metrics;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts events by type (and provider restarts by provider) as they are logged: a tap on the event log. */
public final class EventCounters implements EventSink {
    private final Map<String, LongAdder> byType = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> restarts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    @Override
    public void accept(ProviderEvent event) {
        byType.computeIfAbsent(event.getClass().getSimpleName(), _ -> new LongAdder()).increment();
        switch (event) {
            case ProviderEvent.ProviderRestarted r -> restarts.computeIfAbsent(r.provider(), _ -> new LongAdder()).increment();
            case ProviderEvent.ProviderFailed f -> failures.computeIfAbsent(f.provider(), _ -> new LongAdder()).increment();
            default -> { }
        }
    }

    public Map<String, Long> byType() { return snapshot(byType); }

    public Map<String, Long> restartsByProvider() { return snapshot(restarts); }

    public Map<String, Long> failuresByProvider() { return snapshot(failures); }

    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
