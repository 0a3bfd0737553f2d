package dev.netext.wire.bench;

import dev.netext.wire.Checksum;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** RFC 1071 sum over a 1400-byte packet body (a typical tunnel MTU payload), heap vs direct, vs a 2-byte loop. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksumBench {

    @Param({"1400"})
    int length;

    @Param({"heap", "direct"})
    String kind;

    ByteBuffer buf;

    @Setup
    public void setup() {
        byte[] data = new byte[length + 1];
        new Random(42).nextBytes(data);
        buf = kind.equals("direct") ? ByteBuffer.allocateDirect(data.length) : ByteBuffer.allocate(data.length);
        buf.put(data).clear();
    }

    @Benchmark
    public int sum() {
        return Checksum.sum(buf, 0, length);
    }

    @Benchmark
    public int sumOddOffset() {
        return Checksum.sum(buf, 1, length);
    }

    /** Baseline: the textbook one-word-at-a-time loop. */
    @Benchmark
    public int naiveWordLoop() {
        long s = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            s += buf.getShort(i) & 0xFFFF;
        }
        return Checksum.fold(s);
    }
}
