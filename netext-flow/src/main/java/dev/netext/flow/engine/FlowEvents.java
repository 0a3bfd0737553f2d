package dev.netext.flow.engine;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.Verdict;
import dev.netext.api.flow.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/** Stamps and delivers the engine's flow events; a sink that throws is logged and keeps receiving. */
final class FlowEvents {
    private static final Logger log = LoggerFactory.getLogger(FlowEvents.class);
    private final String provider;
    private final EventSink sink;
    private final LongSupplier sequence;

    FlowEvents(String provider, EventSink sink, LongSupplier sequence) {
        this.provider = provider;
        this.sink = sink;
        this.sequence = sequence;
    }

    String provider() { return provider; }

    void opened(Flow flow) { deliver(seq -> new ProviderEvent.FlowOpened(seq, System.nanoTime(), provider, flow)); }

    void verdict(long flowId, Verdict v, long latencyNanos) {
        deliver(seq -> new ProviderEvent.FlowVerdict(seq, System.nanoTime(), provider, flowId, v, latencyNanos));
    }

    /** A decision by another provider than the engine's own (a proxy of the chain). */
    void verdict(String by, long flowId, Verdict v, long latencyNanos) {
        deliver(seq -> new ProviderEvent.FlowVerdict(seq, System.nanoTime(), by, flowId, v, latencyNanos));
    }

    void closed(long flowId, long in, long out) {
        deliver(seq -> new ProviderEvent.FlowClosed(seq, System.nanoTime(), provider, flowId, in, out));
    }

    void message(String type, Map<String, String> attributes, long flowId) {
        deliver(seq -> new ProviderEvent.ProviderMessage(seq, System.nanoTime(), provider, flowId, type, attributes));
    }

    private synchronized void deliver(LongFunction<ProviderEvent> make) {
        // synchronized, numbered inside: events reach the sink in sequence order from any thread
        ProviderEvent e = make.apply(sequence.getAsLong());
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            log.warn("event sink failed on {}: {}", e, ex.toString());
        }
    }
}
