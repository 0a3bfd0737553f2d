package dev.netext.wire.bench;

/**
 * Entry point for the netext-wire JMH benchmarks; never run by the test suite (no JUnit annotations).
 * Run with {@code netext-wire/bench/wire-jmh.sh [jmh args]}, e.g. {@code wire-jmh.sh ChecksumBench -prof gc}.
 * Without arguments it runs every benchmark in this package.
 */
public final class WireBench {
    private WireBench() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length == 0 ? new String[] {"dev.netext.wire.bench"} : args);
    }
}
