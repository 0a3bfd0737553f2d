package dev.netext.dns.upstream;

import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.ResponseView;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The queries in flight on one upstream socket or connection, and the rules every upstream applies to them
 * (RFC 5452): each query leaves with a fresh random ID (§4.3) — or the ID its transport fixes, 0 for DoH (RFC 8484
 * §4.1) — has its own timeout, and is completed only by a response that carries its ID and repeats its question
 * exactly (§9.1; the server is the socket's, connected or authenticated); the caller gets the response back with its
 * own ID. Confined to one event loop: every method runs there.
 */
final class PendingQueries {
    /** One query in flight. */
    static final class Query {
        final byte[] message;      // as sent: the wire ID written in
        final int questionEnd;
        final int originalId;      // the caller's ID, restored in the response
        final int key;             // the wire ID, or a connection-local number when the transport fixes the ID
        final CompletableFuture<byte[]> result;
        ScheduledFuture<?> timeout;

        private Query(byte[] message, int questionEnd, int originalId, int key, CompletableFuture<byte[]> result) {
            this.message = message;
            this.questionEnd = questionEnd;
            this.originalId = originalId;
            this.key = key;
            this.result = result;
        }
    }

    private final String upstream;
    private final UpstreamIo io;
    private final EventLoop loop;
    private final int fixedId; // -1: a random ID per query
    private final IntObjectHashMap<Query> byKey = new IntObjectHashMap<>();
    private final ResponseView view = new ResponseView();
    private int nextKey;

    /**
     * @param upstream how the upstream is named in errors ({@code udp://…})
     * @param fixedId  the ID every query carries on this transport, or -1 for a fresh random one each
     */
    PendingQueries(String upstream, UpstreamIo io, EventLoop loop, int fixedId) {
        this.upstream = upstream;
        this.io = io;
        this.loop = loop;
        this.fixedId = fixedId;
    }

    int size() { return byKey.size(); }

    boolean isEmpty() { return byKey.isEmpty(); }

    /**
     * Registers {@code q} (the caller's copy, rewritten in place with the wire ID) and starts its timeout, after
     * which it fails with {@link UpstreamException.Kind#TIMEOUT} and {@code onTimeout} runs.
     */
    Query add(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result, Runnable onTimeout) {
        int key;
        if (fixedId >= 0) {
            do key = nextKey++ & 0x7FFF_FFFF; while (byKey.containsKey(key));
        } else {
            do key = io.nextId(); while (byKey.containsKey(key));
        }
        Query p = new Query(q, questionEnd, DnsWire.u16(q, DnsWire.ID), key, result);
        DnsWire.put16(q, DnsWire.ID, fixedId >= 0 ? fixedId : key);
        byKey.put(key, p);
        p.timeout = loop.schedule(() -> {
            if (byKey.remove(p.key) == p) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.TIMEOUT,
                        upstream + ": no answer within " + timeoutMillis + " ms"));
                onTimeout.run();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        return p;
    }

    /**
     * A response read from the shared socket or connection (random IDs): completes the query it answers and returns
     * true. A response for no query in flight, or with another question (spoofed, or late), is ignored — it must not
     * cancel the real answer — and false is returned; a malformed one fails its query.
     */
    boolean answer(byte[] msg, int length) {
        if (length < DnsWire.HEADER_LEN) return false;
        Query p = byKey.get(DnsWire.u16(msg, DnsWire.ID));
        if (p == null) return false;
        int status = view.parse(msg, length, p.message, DnsWire.HEADER_LEN, p.questionEnd);
        if (status == ResponseView.QUESTION_MISMATCH || status == ResponseView.NOT_A_RESPONSE) return false;
        finish(p, msg, status == ResponseView.OK);
        return true;
    }

    /**
     * The response to one particular query, from a channel of its own (a DoH stream): it must carry the wire ID and
     * answer the question, or the query fails as malformed.
     */
    void answer(Query p, byte[] msg) {
        if (byKey.get(p.key) != p) return; // timed out or failed meanwhile
        boolean ok = msg.length >= DnsWire.HEADER_LEN
                && DnsWire.u16(msg, DnsWire.ID) == (fixedId >= 0 ? fixedId : p.key)
                && view.parse(msg, msg.length, p.message, DnsWire.HEADER_LEN, p.questionEnd) == ResponseView.OK;
        finish(p, msg, ok);
    }

    private void finish(Query p, byte[] msg, boolean ok) {
        byKey.remove(p.key);
        p.timeout.cancel(false);
        if (!ok) {
            p.result.completeExceptionally(new UpstreamException(UpstreamException.Kind.MALFORMED,
                    upstream + ": the response does not answer the question"));
            return;
        }
        DnsWire.put16(msg, DnsWire.ID, p.originalId);
        p.result.complete(msg);
    }

    /** Fails one query (its stream broke); nothing if it is already done. */
    void fail(Query p, UpstreamException e) {
        if (byKey.get(p.key) != p) return;
        byKey.remove(p.key);
        p.timeout.cancel(false);
        p.result.completeExceptionally(e);
    }

    /** Fails every query in flight (the socket or connection is gone). */
    void failAll(UpstreamException e) {
        List<Query> all = new ArrayList<>(byKey.values());
        byKey.clear();
        for (Query p : all) {
            p.timeout.cancel(false);
            p.result.completeExceptionally(e);
        }
    }
}
