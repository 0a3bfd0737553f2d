package dev.netext.bench;

import dev.netext.cli.sandbox.Table;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;

import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/dns.sh --blocklist-names 1000000}: what a block list costs. Two netext DNS servers forward to the same
 * local upstream, one with {@code --blocklist} of that many names (a hosts file), both warmed with the same cached
 * names (none of them listed, so every query pays the list lookup and then hits the cache); dnsperf {@code -c 10}
 * against each in turns gives the cached rate with and without the list. Then RSS: each netext, and dnsmasq
 * ({@code --addn-hosts}) and unbound ({@code local-zone: "NAME" always_nxdomain}, one per name) with the same list and
 * without, as anchors.
 */
final class DnsBlockListBench {
    static final String UPSTREAM = DnsBench.UPSTREAM;
    static final int PLAIN = 5311, LISTED = 5312, DNSMASQ = 5313, DNSMASQ_LIST = 5314, UNBOUND = 5315, UNBOUND_LIST = 5316;

    private final PrintStream out;
    private final int names, listNames, seconds, rounds;
    private final String javaOpts;

    DnsBlockListBench(PrintStream out, int names, int listNames, int seconds, int rounds, String javaOpts) {
        this.out = out;
        this.names = names;
        this.listNames = listNames;
        this.seconds = seconds;
        this.rounds = rounds;
        this.javaOpts = javaOpts;
    }

    int run() throws Exception {
        Path dir = Files.createTempDirectory("netext-dns-list-bench");
        List<Process> mine = new ArrayList<>();
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("dnslist");
            Path queries = DnsBench.writeQueries(dir, names);
            Path hosts = dir.resolve("list.hosts");
            Path zones = dir.resolve("list.zones.conf");
            try (BufferedWriter h = Files.newBufferedWriter(hosts); BufferedWriter z = Files.newBufferedWriter(zones)) {
                for (int i = 0; i < listNames; i++) {
                    String n = "ads" + i + ".tracker" + (i % 1000) + ".example";
                    h.write("0.0.0.0 " + n + "\n");
                    z.write("  local-zone: \"" + n + "\" always_nxdomain\n");
                }
            }
            DnsBench.startUpstream(ns);
            Process plain = netext(ns, PLAIN, dir), listed = netext(ns, LISTED, dir, "--blocklist", hosts.toString());
            mine.add(plain);
            mine.add(listed);
            Process dnsmasq = dnsmasq(ns, DNSMASQ), dnsmasqList = dnsmasq(ns, DNSMASQ_LIST, "--addn-hosts=" + hosts);
            Process unbound = unbound(ns, dir, UNBOUND, ""), unboundList = unbound(ns, dir, UNBOUND_LIST, Files.readString(zones));
            long t0 = System.nanoTime();
            try {
                for (int port : List.of(PLAIN, LISTED, DNSMASQ, DNSMASQ_LIST, UNBOUND, UNBOUND_LIST)) DnsBench.awaitAnswer(ns, port);
            } catch (IllegalStateException e) {
                for (int port : List.of(PLAIN, LISTED)) out.println("netext on " + port + ":\n" + Files.readString(dir.resolve("netext-" + port + ".log")));
                throw e;
            }
            out.printf("netext dns block-list bench: %,d cached names, a list of %,d names, dnsperf -c 10 for %d s × %d rounds, "
                    + "netext JVM %s (the list's table is off the heap: the same options for both); all servers answering after %.1f s%n", names, listNames, seconds, rounds, javaOpts.strip(),
                    (System.nanoTime() - t0) / 1e9);
            String blocked = ns.run(Duration.ofSeconds(5), "dig", "@127.0.0.1", "-p", Integer.toString(LISTED), "+time=2",
                    "ads7.tracker7.example").output();
            if (!blocked.contains("NXDOMAIN")) throw new IllegalStateException("the list is not in effect:\n" + blocked);
            for (int port : List.of(PLAIN, LISTED)) {
                dnsperf(ns, queries, port, "-n", "1", "-c", "10", "-q", "200"); // warm the caches, twice
                dnsperf(ns, queries, port, "-n", "1", "-c", "10", "-q", "200");
            }
            double[][] qps = new double[2][rounds];
            long[] answered = new long[2], ticks = new long[2];
            long[] pids = {plain.pid(), listed.pid()};
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < 2; i++) {
                    int k = (i + r) % 2;
                    long before = DnsBench.cpuTicks(pids[k]);
                    String o = dnsperf(ns, queries, k == 0 ? PLAIN : LISTED, "-c", "10", "-l", Integer.toString(seconds));
                    ticks[k] += DnsBench.cpuTicks(pids[k]) - before;
                    qps[k][r] = DnsBench.qps(o);
                    answered[k] += DnsBench.completed(o);
                }
            }
            // answers per CPU-second of the server's own process: what the list costs, less disturbed than qps when
            // other work shares the cores
            double tick = DnsBench.clockTicksPerSecond();
            double[] perCpu = {answered[0] / (ticks[0] / tick), answered[1] / (ticks[1] / tick)};
            Table t = new Table(new boolean[]{false, true, true, true, true, true}, "netext cached answers", "qps (median)",
                    "rounds", "vs no list", "answers/CPU-s", "vs no list");
            for (int k = 0; k < 2; k++)
                t.add(k == 0 ? "no list" : "with " + "%,d".formatted(listNames) + "-name list", "%,.0f".formatted(DnsBench.median(qps[k])),
                        Arrays.stream(qps[k]).mapToObj("%,.0f"::formatted).reduce((a, b) -> a + " " + b).orElse(""),
                        "%.3f×".formatted(DnsBench.median(qps[k]) / DnsBench.median(qps[0])),
                        "%,.0f".formatted(perCpu[k]), "%.3f×".formatted(perCpu[k] / perCpu[0]));
            out.print(t.render("  "));
            Table m = new Table(new boolean[]{false, true, true, true, true}, "RSS", "no list KiB", "with list KiB", "list KiB", "bytes/name");
            row(m, "netext (JVM " + javaOpts.strip() + ")", plain.pid(), listed.pid());
            row(m, "dnsmasq --addn-hosts", dnsmasq.pid(), dnsmasqList.pid());
            row(m, "unbound local-zone always_nxdomain", unbound.pid(), unboundList.pid());
            out.print(m.render("  "));
            return 0;
        } finally {
            for (Process p : mine) {
                p.toHandle().destroy();
                p.waitFor(15, TimeUnit.SECONDS);
            }
            try (var files = Files.walk(dir)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void row(Table t, String label, long without, long with) {
        long a = DnsBench.rssKiB(without), b = DnsBench.rssKiB(with);
        t.add(label, "%,d".formatted(a), "%,d".formatted(b), "%,d".formatted(b - a), "%.1f".formatted((b - a) * 1024.0 / listNames));
    }

    private Process netext(NetworkNamespace ns, int port, Path dir, String... more) throws Exception {
        List<String> cmd = DnsBench.netextCommand(ns, javaOpts);
        cmd.addAll(List.of("dns", "serve", "--listen", "127.0.0.1:" + port, "--default", UPSTREAM,
                "--cache", Integer.toString(names + names / 2), "--threads", "2"));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("netext-" + port + ".log").toFile()).start();
    }

    private Process dnsmasq(NetworkNamespace ns, int port, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + port, "--user=root", "--pid-file=",
                "--server=" + UPSTREAM, "--cache-size=" + (names + names / 2), "--dns-forward-max=1000"));
        cmd.addAll(List.of(more));
        return ns.exec(cmd.toArray(String[]::new));
    }

    private static Process unbound(NetworkNamespace ns, Path dir, int port, String zones) throws Exception {
        Path conf = dir.resolve("unbound-" + port + ".conf");
        Files.writeString(conf, "server:\n  interface: 127.0.0.1@" + port + "\n" + DnsBench.unboundBasics(dir) + """
                %s
                forward-zone:
                  name: "."
                  forward-addr: %s@53
                """.formatted(zones, UPSTREAM));
        return ns.exec("unbound", "-d", "-c", conf.toString());
    }

    private String dnsperf(NetworkNamespace ns, Path queries, int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dnsperf", "-s", "127.0.0.1", "-p", Integer.toString(port), "-d", queries.toString()));
        cmd.addAll(List.of(args));
        return ns.run(Duration.ofSeconds(seconds + 120), cmd.toArray(String[]::new)).output();
    }
}
