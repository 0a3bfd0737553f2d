package dev.netext.flow.engine;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.Verdict;
import dev.netext.api.flow.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
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

    /** The message type of an upstream connection's tuple: attributes local and remote, {@code ADDRESS:PORT}. */
    public static final String UPSTREAM_MESSAGE = "flow.upstream";

    /**
     * The flow's upstream connection is up: its own tuple (netext's end is a port the kernel chose), which a capture
     * of the flow needs to tell this flow's upstream packets from other flows' to the same destination.
     */
    void upstream(long flowId, SocketAddress local, SocketAddress remote) {
        if (!(local instanceof InetSocketAddress l) || !(remote instanceof InetSocketAddress r)) return;
        message(UPSTREAM_MESSAGE, Map.of("local", endpoint(l), "remote", endpoint(r)), flowId);
    }

    private static String endpoint(InetSocketAddress s) {
        String host = s.getAddress().getHostAddress().replaceAll("%.*$", "");
        return (s.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + s.getPort();
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
