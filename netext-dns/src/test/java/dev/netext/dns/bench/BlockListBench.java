package dev.netext.dns.bench;

import dev.netext.dns.lists.BlockList;
import dev.netext.dns.lists.DomainSet;
import dev.netext.dns.wire.Names;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A block list of a million names: the lookup a query makes on the wire name (a listed name, hit; an unlisted one
 * that walks all its suffixes, miss), and loading the file ({@link Load}, single shot). Setup prints the table's bytes
 * per name and what loading it added to the process's RSS: the fork's heap is fixed and touched before (FORK_HEAP), so
 * that growth is what the list holds off the heap (the table, an anonymous mapping) and whatever a load left behind. Run: {@code bench/dns-jmh.sh BlockListBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"}) // FORK_HEAP: see setup
public class BlockListBench {
    static final int NAMES = 1_000_000;
    static final int QUERIES = 65_536;
    DomainSet set;
    byte[][] hits, misses;
    int next;

    static String name(int i) { return "ads" + i + ".tracker" + (i % 1000) + ".example"; }

    @Setup
    public void setup() throws IOException {
        long rss0 = rssBytes();
        DomainSet.Builder b = new DomainSet.Builder();
        for (int i = 0; i < NAMES; i++) b.add(name(i), false);
        set = b.build();
        long rss = rssBytes() - rss0; // the heap was resident from the start (FORK_HEAP): what grew is off the heap
        System.out.printf("%n%d names: table %d bytes, %.1f bytes/name; RSS +%d bytes after the load, %.1f bytes/name%n",
                set.size(), set.bytes(), set.bytes() / (double) set.size(), rss, rss / (double) set.size());
        hits = new byte[QUERIES][];
        misses = new byte[QUERIES][];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < QUERIES; i++) {
            hits[i] = Names.encode(name(rnd.nextInt(NAMES)));
            misses[i] = Names.encode("www" + i + ".cdn" + (i % 1000) + ".example");
        }
    }

    @TearDown
    public void free() { set.close(); }

    /** The process's resident set (VmRSS). */
    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return 1024 * Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IOException("no VmRSS in /proc/self/status");
    }

    @Benchmark
    public boolean lookupHit() {
        byte[] q = hits[next++ & (QUERIES - 1)];
        return set.containsWire(q, 0, q.length);
    }

    @Benchmark
    public boolean lookupMiss() {
        byte[] q = misses[next++ & (QUERIES - 1)];
        return set.containsWire(q, 0, q.length);
    }

    /** Reading and building a 1M-line hosts file, cold each time. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    @Fork(1)
    public static class Load {
        Path file;

        @Setup(Level.Trial)
        public void write() throws IOException {
            file = Files.createTempFile("netext-bench", ".hosts");
            try (BufferedWriter w = Files.newBufferedWriter(file)) {
                for (int i = 0; i < NAMES; i++) w.write("0.0.0.0 " + name(i) + "\n");
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException { Files.deleteIfExists(file); }

        @Benchmark
        public int load1M() throws IOException {
            try (BlockList l = BlockList.load("bench", file)) { return l.names().size(); }
        }
    }
}
