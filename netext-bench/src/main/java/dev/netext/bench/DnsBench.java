package dev.netext.bench;

import dev.netext.api.dns.DnsRecord;
import dev.netext.cli.sandbox.Table;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.Unbound;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/dns.sh}: netext, unbound (2 threads) and dnsmasq side by side in one throwaway namespace, each a
 * caching forwarder to the same local upstream (a dnsmasq answering {@code *.bench.example} from its own records), all
 * warmed with the same {@code names} query names, then loaded with dnsperf {@code -c 10} in turns. Prints cached QPS
 * and the ratios, p50/p99 latency at a fixed moderate rate, the uncached forwarding cost against asking the upstream
 * directly, and netext's heap cap, cache size and RSS.
 */
public final class DnsBench {
    static final String UPSTREAM = "127.0.0.53";
    static final int NETEXT = 5301, UNBOUND = 5302, DNSMASQ = 5303;

    private final PrintStream out;
    private final int names;
    private final int seconds;
    private final int rounds;
    private final String javaOpts;

    public DnsBench(PrintStream out, int names, int seconds, int rounds, String javaOpts) {
        this.out = out;
        this.names = names;
        this.seconds = seconds;
        this.rounds = rounds;
        this.javaOpts = javaOpts;
    }

    /** A server under test and its process, whose CPU time is read from {@code /proc/PID/stat}. */
    record Server(String label, int port, long pid) {}

    public int run() throws Exception {
        Path dir = Files.createTempDirectory("netext-dns-bench");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("dnsbench");
            Path queries = writeQueries(dir, names);
            startUpstream(ns);
            Process dnsmasq = ns.exec("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                    "--listen-address=127.0.0.1", "--port=" + DNSMASQ, "--user=root", "--pid-file=",
                    "--server=" + UPSTREAM, "--cache-size=" + (names + names / 2), "--dns-forward-max=1000");
            Path unboundConf = dir.resolve("unbound.conf");
            Files.writeString(unboundConf, "server:\n  interface: 127.0.0.1@" + UNBOUND + "\n" + unboundBasics(dir) + """
                      msg-cache-size: 64m
                      rrset-cache-size: 128m
                      num-queries-per-thread: 4096
                    forward-zone:
                      name: "."
                      forward-addr: %s@53
                    """.formatted(UPSTREAM));
            Process unbound = ns.exec("unbound", "-d", "-c", unboundConf.toString());

            List<String> cmd = netextCommand(ns, javaOpts);
            cmd.addAll(List.of("dns", "serve", "--listen", "127.0.0.1:" + NETEXT, "--default", UPSTREAM,
                    "--cache", Integer.toString(names + names / 2))); // --threads: its default, one per core
            Process netext = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> netextOut = new CopyOnWriteArrayList<>();
            Thread pump = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(netext.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) netextOut.add(l);
                } catch (IOException ignored) {
                }
            });
            try {
                // `ip netns exec` execs the server in place: these are the servers' own pids
                List<Server> servers = List.of(new Server("netext", NETEXT, netext.pid()),
                        new Server("unbound (2 threads)", UNBOUND, unbound.pid()), new Server("dnsmasq", DNSMASQ, dnsmasq.pid()));
                for (Server s : servers) awaitAnswer(ns, s.port());
                out.printf("netext dns bench: %,d names, dnsperf -c 10 for %d s × %d rounds per server, netext JVM %s%n",
                        names, seconds, rounds, javaOpts.strip());
                for (Server s : servers) dnsperf(ns, queries, s.port(), "-n", "1", "-c", "10", "-q", "200"); // warm every cache
                for (Server s : servers) dnsperf(ns, queries, s.port(), "-n", "1", "-c", "10", "-q", "200"); // and check it holds
                double[][] qps = new double[servers.size()][rounds];
                long[] answered = new long[servers.size()];
                long[] cpuTicks = new long[servers.size()];
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < servers.size(); i++) {
                        int k = (i + r) % servers.size(); // rotate the order: no server always goes first
                        long before = cpuTicks(servers.get(k).pid());
                        String o = dnsperf(ns, queries, servers.get(k).port(), "-c", "10", "-l", Integer.toString(seconds));
                        cpuTicks[k] += cpuTicks(servers.get(k).pid()) - before;
                        qps[k][r] = qps(o);
                        answered[k] += completed(o);
                    }
                }
                // dnsperf and the servers share the cores: answers per CPU-second the server itself used (utime + stime
                // of its process, every thread) says how much of the qps is the server's own efficiency
                double tick = clockTicksPerSecond();
                double[] perCpu = new double[servers.size()];
                for (int i = 0; i < servers.size(); i++) perCpu[i] = cpuTicks[i] == 0 ? Double.NaN : answered[i] / (cpuTicks[i] / tick);
                Table t = new Table(new boolean[]{false, true, true, true, true, true, true, true, true, true},
                        "server", "cached qps (median)", "rounds", "vs unbound", "vs dnsmasq", "answers/CPU-s", "CPU-s",
                        "CPU eff. vs dnsmasq", "p50 ms @20k qps", "p99 ms @20k qps");
                double[] median = new double[servers.size()];
                for (int i = 0; i < servers.size(); i++) median[i] = median(qps[i]);
                for (int i = 0; i < servers.size(); i++) {
                    double[] lat = latencies(ns, queries, servers.get(i).port());
                    t.add(servers.get(i).label(), "%,.0f".formatted(median[i]),
                            Arrays.stream(qps[i]).mapToObj(q -> "%,.0f".formatted(q)).reduce((a, b) -> a + " " + b).orElse(""),
                            "%.2f×".formatted(median[i] / median[1]), "%.2f×".formatted(median[i] / median[2]),
                            "%,.0f".formatted(perCpu[i]), "%.1f".formatted(cpuTicks[i] / tick), "%.2f×".formatted(perCpu[i] / perCpu[2]),
                            "%.3f".formatted(lat[0]), "%.3f".formatted(lat[1]));
                }
                out.print(t.render("  "));

                Table f = new Table(new boolean[]{false, true, true, true, true}, "uncached forwarding", "mean ms", "p50 ms",
                        "overhead (mean)", "overhead (p50)");
                double[] direct = uncached(ns, new InetSocketAddress(UPSTREAM, 53), "direct");
                f.add("upstream directly", "%.3f".formatted(direct[0]), "%.3f".formatted(direct[1]), "—", "—");
                for (Server s : servers) {
                    double[] via = uncached(ns, new InetSocketAddress("127.0.0.1", s.port()), "p" + s.port());
                    f.add("via " + s.label(), "%.3f".formatted(via[0]), "%.3f".formatted(via[1]),
                            "%+.3f ms".formatted(via[0] - direct[0]), "%+.3f ms".formatted(via[1] - direct[1]));
                }
                out.print(f.render("  "));
                if (Files.isExecutable(Path.of("/usr/bin/openssl"))) encrypted(lab, ns, dir);
                out.printf("  RSS holding %,d names: %s (netext heap capped by %s; %d I/O threads: dns serve's default, one per core)%n", names,
                        servers.stream().map(s -> "%s %,d KiB".formatted(s.label(), rssKiB(s.pid()))).reduce((a, b) -> a + ", " + b).orElse(""),
                        javaOpts.contains("-Xmx") ? javaOpts.replaceAll(".*(-Xmx\\S+).*", "$1") : "default", Runtime.getRuntime().availableProcessors());
            } finally {
                netext.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
                netext.waitFor(15, TimeUnit.SECONDS);
                pump.join(2000);
                netextOut.stream().filter(l -> l.startsWith("netext: dns stopped") || l.contains("Exception") || l.contains("ERROR"))
                        .forEach(l -> out.println("  " + l.replaceFirst("^netext: ", "")));
            }
            return 0;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@code queries.txt} in {@code dir}: dnsperf's input, {@code names} distinct names under {@code bench.example}. */
    static Path writeQueries(Path dir, int names) throws IOException {
        StringBuilder sb = new StringBuilder(names * 20);
        for (int i = 0; i < names; i++) sb.append('h').append(i).append(".bench.example A\n");
        return Files.writeString(dir.resolve("queries.txt"), sb);
    }

    /** The servers' upstream on {@link #UPSTREAM}: a dnsmasq answering every {@code bench.example} name, caching nothing. */
    static Process startUpstream(NetworkNamespace ns) throws IOException {
        return ns.exec("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + UPSTREAM, "--port=53", "--user=root", "--pid-file=", "--local-ttl=86400",
                "--address=/bench.example/10.0.0.1", "--cache-size=0");
    }

    static final int DOT = 853, DOT_PLAIN = 5305, NETEXT_DOT = 5306, NETEXT_UDP = 5307, UNBOUND_DOT = 5308;

    /**
     * Uncached forwarding over DNS over TLS: netext and unbound ({@code forward-tls-upstream}) as DoT clients of the
     * same DoT server (an unbound with a throwaway openssl certificate, forwarding to the bench upstream), against
     * netext asking that server over plain UDP. Every query name is new, so every query crosses the TLS connection.
     */
    private void encrypted(NetnsLab lab, NetworkNamespace ns, Path dir) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "1", "-subj", "/CN=netext bench CA", "-addext", "basicConstraints=critical,CA:TRUE");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
                "-out", "server.csr", "-subj", "/CN=bench.test");
        Files.writeString(dir.resolve("ext"), "subjectAltName=DNS:bench.test\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                "-days", "1", "-extfile", "ext");
        String common = unboundBasics(dir);
        Path server = Files.writeString(dir.resolve("dot-server.conf"), "server:\n  interface: 127.0.0.1@" + DOT + "\n  interface: 127.0.0.1@"
                + DOT_PLAIN + "\n  tls-port: " + DOT + "\n  tls-service-key: \"" + dir.resolve("server.key") + "\"\n  tls-service-pem: \""
                + dir.resolve("server.pem") + "\"\n" + common + "forward-zone:\n  name: \".\"\n  forward-addr: " + UPSTREAM + "@53\n");
        Path client = Files.writeString(dir.resolve("dot-client.conf"), "server:\n  interface: 127.0.0.1@" + UNBOUND_DOT
                + "\n  tls-cert-bundle: \"" + dir.resolve("ca.pem") + "\"\n" + common
                + "forward-zone:\n  name: \".\"\n  forward-tls-upstream: yes\n  forward-addr: 127.0.0.1@" + DOT + "#bench.test\n");
        ns.exec("unbound", "-d", "-c", server.toString());
        ns.exec("unbound", "-d", "-c", client.toString());
        List<Process> mine = new ArrayList<>();
        try {
            for (String[] a : List.of(new String[]{"127.0.0.1:" + NETEXT_DOT, "tls://bench.test@127.0.0.1:" + DOT},
                    new String[]{"127.0.0.1:" + NETEXT_UDP, "127.0.0.1:" + DOT_PLAIN})) {
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
                cmd.addAll(NetextProcess.javaCommand());
                cmd.addAll(List.of("dns", "serve", "--listen", a[0], "--default", a[1], "--cache", "0", "--threads", "2",
                        "--tls-ca", dir.resolve("ca.pem").toString()));
                mine.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (int port : List.of(DOT_PLAIN, UNBOUND_DOT, NETEXT_DOT, NETEXT_UDP)) awaitAnswer(ns, port);
            Table t = new Table(new boolean[]{false, true, true, true}, "uncached, encrypted upstream", "mean ms", "p50 ms", "vs netext over UDP (p50)");
            double[] udp = uncached(ns, new InetSocketAddress("127.0.0.1", NETEXT_UDP), "eu");
            double[] direct = uncached(ns, new InetSocketAddress("127.0.0.1", DOT_PLAIN), "ed");
            double[] dot = uncached(ns, new InetSocketAddress("127.0.0.1", NETEXT_DOT), "et");
            double[] unboundDot = uncached(ns, new InetSocketAddress("127.0.0.1", UNBOUND_DOT), "eb");
            t.add("DoT server asked directly (UDP)", "%.3f".formatted(direct[0]), "%.3f".formatted(direct[1]), "—");
            t.add("netext → UDP → DoT server", "%.3f".formatted(udp[0]), "%.3f".formatted(udp[1]), "—");
            t.add("netext → DoT → DoT server", "%.3f".formatted(dot[0]), "%.3f".formatted(dot[1]), "%+.3f ms".formatted(dot[1] - udp[1]));
            t.add("unbound → DoT → DoT server", "%.3f".formatted(unboundDot[0]), "%.3f".formatted(unboundDot[1]), "%+.3f ms".formatted(unboundDot[1] - udp[1]));
            out.print(t.render("  "));
        } finally {
            for (Process p : mine) {
                p.toHandle().destroy();
                p.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("openssl " + args[0] + " failed: " + o);
    }

    static void awaitAnswer(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            ExecResult r = ns.run(Duration.ofSeconds(5), "dig", "@127.0.0.1", "-p", Integer.toString(port), "+time=1", "+tries=1", "+short", "probe.bench.example");
            if (r.output().contains("10.0.0.1")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("nothing answers on port " + port);
    }

    private String dnsperf(NetworkNamespace ns, Path queries, int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dnsperf", "-s", "127.0.0.1", "-p", Integer.toString(port), "-d", queries.toString()));
        cmd.addAll(List.of(args));
        return ns.run(Duration.ofSeconds(seconds + 120), cmd.toArray(String[]::new)).output();
    }

    static double qps(String dnsperfOutput) {
        for (String l : dnsperfOutput.split("\n"))
            if (l.strip().startsWith("Queries per second:")) return Double.parseDouble(l.strip().split("\\s+")[3]);
        throw new IllegalStateException("no QPS in dnsperf output:\n" + dnsperfOutput);
    }

    /** dnsperf's count of answered queries. */
    static long completed(String dnsperfOutput) {
        for (String l : dnsperfOutput.split("\n"))
            if (l.strip().startsWith("Queries completed:")) return Long.parseLong(l.strip().split("\\s+")[2]);
        throw new IllegalStateException("no completed count in dnsperf output:\n" + dnsperfOutput);
    }

    /** utime + stime of process {@code pid}, all threads, in clock ticks ({@code /proc/PID/stat} fields 14 and 15). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // after "pid (comm) ": field 3 is f[0]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static double clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return p.waitFor() == 0 ? Double.parseDouble(o) : 100;
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100; // USER_HZ on every Linux architecture netext runs on
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** p50 and p99 in ms from dnsperf's per-query lines at a fixed 20k qps (load, not saturation). */
    private double[] latencies(NetworkNamespace ns, Path queries, int port) throws Exception {
        String o = dnsperf(ns, queries, port, "-c", "10", "-l", "3", "-Q", "20000", "-v");
        List<Double> l = new ArrayList<>();
        for (String line : o.split("\n")) {
            if (!line.startsWith("> ")) continue;
            String[] f = line.split("\\s+");
            try {
                l.add(Double.parseDouble(f[f.length - 1]) * 1000);
            } catch (NumberFormatException ignored) {
            }
        }
        Collections.sort(l);
        if (l.isEmpty()) return new double[] {Double.NaN, Double.NaN};
        return new double[] {l.get(l.size() / 2), l.get(Math.min(l.size() - 1, (int) (l.size() * 0.99)))};
    }

    /** Mean and median round trip of 3000 one-at-a-time queries for names nobody has cached. */
    private static double[] uncached(NetworkNamespace ns, InetSocketAddress server, String tag) throws Exception {
        return ns.runInside(() -> {
            List<Double> rtts = new ArrayList<>();
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                s.setSoTimeout(2000);
                byte[] buf = new byte[4096];
                long salt = System.nanoTime() % 100000;
                for (int i = 0; i < 3200; i++) {
                    byte[] q = query(i & 0xFFFF, "u" + salt + "-" + i + "." + tag + ".bench.example");
                    long t0 = System.nanoTime();
                    s.send(new DatagramPacket(q, q.length, server));
                    try {
                        s.receive(new DatagramPacket(buf, buf.length));
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    if (i >= 200) rtts.add((System.nanoTime() - t0) / 1e6); // the first 200 warm up
                }
            }
            Collections.sort(rtts);
            double mean = rtts.stream().mapToDouble(d -> d).average().orElse(Double.NaN);
            return new double[] {mean, rtts.isEmpty() ? Double.NaN : rtts.get(rtts.size() / 2)};
        });
    }

    private static byte[] query(int id, String name) {
        byte[] n = DnsRecord.encodeName(name);
        byte[] q = new byte[12 + n.length + 4];
        q[0] = (byte) (id >>> 8); q[1] = (byte) id; q[2] = 1; q[5] = 1;
        System.arraycopy(n, 0, q, 12, n.length);
        q[q.length - 3] = 1; q[q.length - 1] = 1;
        return q;
    }

    /**
     * {@code ip netns exec NS [env NAME=value...] java OPTIONS... -cp ... Main}: the words of {@code javaOpts} of the
     * form NAME=value are the JVM's environment (what bin/lib/launch.sh exports, e.g. MALLOC_ARENA_MAX=2), the rest
     * its options. {@code env} and {@code ip netns exec} exec, so the process's pid is java's.
     */
    static List<String> netextCommand(NetworkNamespace ns, String javaOpts) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        List<String> words = javaOpts.isBlank() ? List.of() : Arrays.asList(javaOpts.strip().split("\\s+"));
        List<String> env = words.stream().filter(w -> w.matches("[A-Z_][A-Z0-9_]*=.*")).toList();
        if (!env.isEmpty()) {
            cmd.add("env");
            cmd.addAll(env);
        }
        List<String> java = NetextProcess.javaCommand();
        cmd.add(java.getFirst());
        words.stream().filter(w -> !env.contains(w)).forEach(cmd::add);
        cmd.addAll(java.subList(1, java.size()));
        return cmd;
    }

    static long rssKiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D+", ""));
        } catch (IOException ignored) {
        }
        return -1;
    }

    /**
     * The {@code server:} lines every unbound of the benchmarks shares (two-space indented, to follow a
     * {@code server:} line): the lab's (foreground, no chroot or syslog, iterator only) for loopback clients, quiet,
     * forwarding to a loopback upstream, 2 threads as netext.
     */
    static String unboundBasics(Path dir) {
        return Unbound.basics(dir, "127.0.0.0/8") + """
                  verbosity: 0
                  do-not-query-localhost: no
                  num-threads: 2
                  so-reuseport: yes
                """;
    }
}
