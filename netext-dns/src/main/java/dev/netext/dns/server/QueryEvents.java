package dev.netext.dns.server;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsTransport;
import dev.netext.dns.wire.QueryView;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * Turns every answered query into a {@link ProviderEvent.DnsQueried} for the host's {@link EventSink}. Building the
 * typed event costs a few objects; with no sink attached nothing is built, which is how benchmarks run.
 */
final class QueryEvents {
    private final DnsProxyServer host;
    private final String provider;
    private final EventSink sink;
    private final AtomicLong sequence;

    QueryEvents(DnsProxyServer host, String provider, EventSink sink, AtomicLong sequence) {
        this.host = host;
        this.provider = provider;
        this.sink = sink;
        this.sequence = sequence;
    }

    boolean enabled() { return sink != null; }

    void publish(QueryView q, InetSocketAddress client, DnsTransport transport, DnsDecision decision, String rule,
                 String server, boolean cacheHit, byte[] response, int length, long t0) {
        if (sink == null || !q.nameIsPrintable() || length < HEADER_LEN) return;
        try {
            var event = new ProviderEvent.DnsQueried(sequence.incrementAndGet(), System.nanoTime(), provider,
                    host.processor().toDnsQuery(q, client, transport),
                    decision == null ? DnsDecision.defaultResolution() : decision,
                    u16(response, FLAGS) & RCODE_MASK, u16(response, ANCOUNT), System.nanoTime() - t0,
                    rule, server, cacheHit);
            sink.accept(event);
        } catch (RuntimeException e) {
            host.sinkFailed(e);
        }
    }
}
