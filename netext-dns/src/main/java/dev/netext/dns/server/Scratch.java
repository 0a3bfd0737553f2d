package dev.netext.dns.server;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.dns.cache.DnsCache;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.QueryView;
import dev.netext.dns.wire.ResponseView;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Per-thread working memory of the query path: the message in, the message out, and the reusable views. Owned by
 * one thread at a time; I/O threads keep two (one for arriving queries, one for upstream completions, which may run
 * inline while a query is being handled).
 */
final class Scratch {
    final byte[] in = new byte[DnsWire.MAX_MESSAGE];
    final byte[] out = new byte[DnsWire.MAX_MESSAGE];
    final byte[] trunc = new byte[DnsWire.MAX_MESSAGE];
    final QueryView query = new QueryView();
    final ResponseView response = new ResponseView();
    final DnsCache.Lookup lookup = new DnsCache.Lookup();
    /** The querying process of the query in hand, when someone wants it (events, a typed provider); else null. */
    CompletableFuture<ProcessInfo> process;
    /** The query in hand is the first from its client socket, whose process is being named: hold its answer. */
    boolean holdForProcess;

    private static final FastThreadLocal<Scratch> LISTENER = new FastThreadLocal<>() {
        @Override protected Scratch initialValue() { return new Scratch(); }
    };
    private static final FastThreadLocal<Scratch> COMPLETION = new FastThreadLocal<>() {
        @Override protected Scratch initialValue() { return new Scratch(); }
    };

    /** Scratch for provider threads (virtual threads have no I/O-thread scratch), reused through a small pool. */
    private static final ArrayBlockingQueue<Scratch> POOL = new ArrayBlockingQueue<>(32);

    static Scratch borrow() {
        Scratch s = POOL.poll();
        return s != null ? s : new Scratch();
    }

    static void giveBack(Scratch s) { POOL.offer(s); }

    static Scratch forListener() { return LISTENER.get(); }

    static Scratch forCompletion() { return COMPLETION.get(); }
}
