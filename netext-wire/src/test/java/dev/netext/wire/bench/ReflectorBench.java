package dev.netext.wire.bench;

import dev.netext.wire.PacketReflector;
import java.nio.ByteBuffer;
import java.util.HexFormat;
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

/**
 * One {@link PacketReflector#reflect} per invocation. Reflecting is its own inverse up to the TTL, so the same buffer
 * is reflected back and forth without a copy; every call takes the full validate-and-rewrite path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReflectorBench {

    // Same packets as the test vectors v4_icmp_echo_request / v6_udp_request (Scapy-built).
    private static final String V4_ICMP = "4500005442424000110113650a0000010a00000208002cf612340001"
            + "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
            + "303132333435363738393a3b3c3d3e3f4041424344454647";
    private static final String V6_UDP = "60000000000f1109fd000000000000000000000000000001fd000000000000000000000000000002"
            + "14e9270f000f658f706f6e67206d65";

    @Param({"v4_icmp", "v6_udp"})
    String packet;

    private final PacketReflector reflector = new PacketReflector();
    private ByteBuffer buf;
    private int length;

    @Setup
    public void setup() {
        byte[] bytes = HexFormat.of().parseHex(packet.equals("v4_icmp") ? V4_ICMP : V6_UDP);
        buf = ByteBuffer.allocateDirect(2048);
        buf.put(bytes).clear();
        length = bytes.length;
        if (reflector.reflect(buf, 0, length) != length) {
            throw new IllegalStateException("bench packet is not reflected");
        }
    }

    @Benchmark
    public int reflect() {
        return reflector.reflect(buf, 0, length);
    }
}
