package dev.netext.wireguard.bench;

/**
 * Entry point for the netext-wireguard JMH benchmarks; never run by the test suite. Run with
 * {@code bench/wireguard-jmh.sh [jmh args]}; without arguments it runs every benchmark in this package.
 */
public final class WireGuardBench {
    private WireGuardBench() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length == 0 ? new String[] {"dev.netext.wireguard.bench"} : args);
    }
}
