package dev.netext.dns.server;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.dns.wire.QueryView;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * Turns every answered query into a {@link ProviderEvent.DnsQueried} for the host's {@link EventSink}. Building the
 * typed event costs a few objects; with no sink attached nothing is built, which is how benchmarks run. Each event
 * carries the querying process when it could be attributed ({@link ClientProcesses}).
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

    private final AtomicInteger waiting = new AtomicInteger();

    boolean enabled() { return sink != null; }

    /** Events of answered queries still waiting for their process to be named. */
    int waiting() { return waiting.get(); }

    /**
     * Publishes the event of an answered query. {@code process} is the querying process as being attributed (null:
     * not attributed); while it is still being looked up, the event waits for it, with everything else fixed now.
     */
    void publish(QueryView q, InetSocketAddress client, DnsTransport transport, DnsDecision decision, String rule,
                 String server, boolean cacheHit, byte[] response, int length, long t0,
                 CompletableFuture<ProcessInfo> process) {
        if (sink == null || !q.nameIsPrintable() || length < HEADER_LEN) return;
        try {
            long now = System.nanoTime();
            DnsDecision d = decision == null ? DnsDecision.defaultResolution() : decision;
            int rcode = u16(response, FLAGS) & RCODE_MASK;
            int answers = u16(response, ANCOUNT);
            if (process == null || process.isDone()) {
                ProcessInfo p = process == null ? ProcessInfo.UNKNOWN : process.getNow(ProcessInfo.UNKNOWN);
                emit(host.processor().toDnsQuery(q, client, transport, p), d, rcode, answers, now, t0, rule, server, cacheHit);
                return;
            }
            DnsQuery query = host.processor().toDnsQuery(q, client, transport, ProcessInfo.UNKNOWN);
            waiting.incrementAndGet();
            process.whenComplete((p, err) -> {
                try {
                    emit(query.withProcess(p == null ? ProcessInfo.UNKNOWN : p), d, rcode, answers, now, t0, rule, server, cacheHit);
                } finally {
                    waiting.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            host.sinkFailed(e);
        }
    }

    private void emit(DnsQuery query, DnsDecision decision, int rcode, int answers, long answeredAt, long t0,
                      String rule, String server, boolean cacheHit) {
        try {
            sink.accept(new ProviderEvent.DnsQueried(sequence.incrementAndGet(), answeredAt, provider, query, decision,
                    rcode, answers, answeredAt - t0, rule, server, cacheHit));
        } catch (RuntimeException e) {
            host.sinkFailed(e);
        }
    }
}
