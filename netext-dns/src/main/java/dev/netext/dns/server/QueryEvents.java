package dev.netext.dns.server;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.wire.QueryView;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
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

    /** An answered query's event waiting for its process, or queued behind one that is. */
    private record Held(CompletableFuture<ProcessInfo> process, DnsQuery query, DnsDecision decision, int rcode,
                        int answers, long answeredAt, long t0, String rule, String server, boolean cacheHit) {}

    /** Events in answer order; the head leaves once its process is named, so events never overtake each other. */
    private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final ReentrantLock draining = new ReentrantLock();

    boolean enabled() { return sink != null; }

    /** Events of answered queries not yet published (their process, or an earlier one's, is being named). */
    int waiting() { return waiting.get(); }

    /**
     * Publishes the event of an answered query. {@code rule} is the split rule that decided (null: the provider did);
     * {@code process} is the querying process as being attributed (null: not attributed). While it, or the process of an earlier event, is still being looked up, the event is held
     * with everything else fixed now, and published in order once it is named (a few milliseconds).
     */
    void publish(QueryView q, InetSocketAddress client, DnsTransport transport, DnsDecision decision, SplitRule rule,
                 String server, boolean cacheHit, byte[] response, int length, long t0,
                 CompletableFuture<ProcessInfo> process) {
        if (sink == null || !q.nameIsPrintable() || length < HEADER_LEN) return;
        try {
            long now = System.nanoTime();
            String label = rule == null ? "" : rule.label(); // built here, not per query: most servers publish nothing
            DnsDecision d = decision == null ? DnsDecision.defaultResolution() : decision;
            int rcode = u16(response, FLAGS) & RCODE_MASK;
            int answers = u16(response, ANCOUNT);
            boolean named = process == null || process.isDone();
            if (named && waiting.get() == 0) {
                ProcessInfo p = process == null ? ProcessInfo.UNKNOWN : named(process);
                emit(host.processor().toDnsQuery(q, client, transport, p), d, rcode, answers, now, t0, label, server, cacheHit);
                return;
            }
            DnsQuery query = host.processor().toDnsQuery(q, client, transport, ProcessInfo.UNKNOWN);
            waiting.incrementAndGet();
            held.add(new Held(process == null ? NAMED : process, query, d, rcode, answers, now, t0, label, server, cacheHit));
            if (named) drain();
            else process.whenComplete((p, err) -> drain());
        } catch (RuntimeException e) {
            host.sinkFailed(e);
        }
    }

    private static final CompletableFuture<ProcessInfo> NAMED = CompletableFuture.completedFuture(ProcessInfo.UNKNOWN);

    private static ProcessInfo named(CompletableFuture<ProcessInfo> done) {
        ProcessInfo p = done.isCompletedExceptionally() ? null : done.getNow(null);
        return p == null ? ProcessInfo.UNKNOWN : p;
    }

    /** Publishes held events from the head while their processes are named. */
    private void drain() {
        draining.lock();
        try {
            for (Held h; (h = held.peek()) != null && h.process.isDone(); ) {
                held.poll();
                try {
                    emit(h.query.withProcess(named(h.process)), h.decision, h.rcode, h.answers,
                            h.answeredAt, h.t0, h.rule, h.server, h.cacheHit);
                } finally {
                    waiting.decrementAndGet();
                }
            }
        } finally {
            draining.unlock();
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
