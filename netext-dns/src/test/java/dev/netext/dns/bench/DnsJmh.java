package dev.netext.dns.bench;

/** Entry point for the netext-dns JMH benchmarks ({@code bench/dns-jmh.sh}); never run by the test suite. */
public final class DnsJmh {
    private DnsJmh() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length == 0 ? new String[] {"dev.netext.dns.bench"} : args);
    }
}
