package dev.netext.dns.bench;

import dev.netext.dns.cache.DnsCache;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.QueryView;
import dev.netext.dns.wire.ResponseView;
import dev.netext.api.dns.DnsDecision;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.netext.dns.wire.TestMessages.*;

/**
 * The per-query CPU work of a cache hit, without sockets: parse the query, match the split rule on the wire name,
 * look up the cache (100k entries), copy out, patch ID and question, count TTLs down. What one I/O thread spends per
 * answered query besides the two syscalls' share.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheHitBench {
    static final int NAMES = 100_000;
    DnsCache cache;
    SplitDnsProvider split;
    byte[][] queries;
    final byte[] out = new byte[DnsWire.MAX_MESSAGE];
    final QueryView view = new QueryView();
    final DnsCache.Lookup lookup = new DnsCache.Lookup();
    int next;

    @Setup
    public void setup() {
        cache = new DnsCache(NAMES, NAMES * 256L, 86_400, false, 0, System::nanoTime);
        split = new SplitDnsProvider(List.of(new SplitRule("corp.example", DnsDecision.forward("corp"), "b")), "public");
        queries = new byte[NAMES][];
        ResponseView rv = new ResponseView();
        for (int i = 0; i < NAMES; i++) {
            byte[] q = query(i, "h" + i + ".bench.example", 1);
            byte[] r = response(q, 0, false, new byte[][] {rr(1, 3600, a(10, 0, i >> 8 & 0xFF, i & 0xFF))}, new byte[0][], -1);
            rv.parse(r, r.length, null, 0, 0);
            view.parse(q, q.length);
            cache.put(q, 12, view.questionEnd(), 7, r, r.length, rv);
            queries[i] = q;
        }
    }

    @TearDown
    public void tearDown() { cache.close(); }

    @Benchmark
    public int parseOnly() {
        byte[] q = queries[next++ % NAMES];
        return view.parse(q, q.length);
    }

    @Benchmark
    public int hitPath() {
        byte[] q = queries[next++ % NAMES];
        view.parse(q, q.length);
        split.matchWire(q, 12, view.nameEnd());
        if (!cache.lookup(q, 12, view.questionEnd(), 7, out, lookup)) throw new IllegalStateException("miss");
        System.arraycopy(q, 0, out, 0, 2);
        System.arraycopy(q, 12, out, 12, view.questionEnd() - 12);
        return lookup.length;
    }
}
