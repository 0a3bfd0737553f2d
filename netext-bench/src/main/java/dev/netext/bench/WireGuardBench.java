package dev.netext.bench;

import dev.netext.cli.sandbox.Table;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.WgQuick;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.wireguard.Key;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/wireguard.sh}: iperf3 (TCP, one stream) between two namespaces joined by a veth, in one run:
 * over the bare veth, and through WireGuard with wireguard-go ↔ wireguard-go, netext ↔ wireguard-go and
 * netext ↔ netext. Each case gets a fresh lab; netext runs as {@code bin/netext wg up} — the command a user starts,
 * with the {@code wg} role's JVM options and AOT cache — or, with {@code --plain-jvm}, as a JVM with its defaults on
 * this JVM's class path (the bench's figures before session 10). Ratios are against wireguard-go ↔ wireguard-go, the
 * issue's yardstick.
 */
public final class WireGuardBench {
    static final String A_OUT = "10.92.0.1", B_OUT = "10.92.0.2", A_IN = "10.202.0.1", B_IN = "10.202.0.2";

    private final PrintStream out;
    private final int seconds;
    private final int rounds;
    private final List<String> jvmOptions;
    private final List<String> only;
    private final boolean vethGro;
    /** The launcher that starts netext ({@code bin/netext}), or null: a plain JVM on this class path. */
    private final Path launcher;

    /**
     * {@code only}: the keys of the cases to run (veth, go-go, nx-go, go-nx, nx-nx); empty runs all. {@code vethGro}:
     * GRO on both veth ends (a veth has none by default; a NIC has). {@code launcher}: {@code bin/netext}, or null
     * for a plain JVM; {@code jvmOptions} go after the launcher's own (NETEXT_JAVA_OPTS).
     */
    public WireGuardBench(PrintStream out, int seconds, int rounds, List<String> jvmOptions, List<String> only, boolean vethGro,
                          Path launcher) {
        this.launcher = launcher;
        this.out = out;
        this.seconds = seconds;
        this.rounds = rounds;
        this.jvmOptions = jvmOptions;
        this.only = only;
        this.vethGro = vethGro;
    }

    enum Impl { GO, NETEXT }

    record Case(String key, String label, Impl sender, Impl receiver) {}

    public int run() throws Exception {
        Path tmp = Files.createTempDirectory("netext-wgbench");
        try {
            out.printf(Locale.ROOT, "WireGuard bench: iperf3 TCP %d s, median of %d rounds after a 2 s warm-up, over veth between namespaces%s; JDK %s; %d cores%n",
                    seconds, rounds, vethGro ? " (GRO on)" : "", Runtime.version(), Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "netext: %s%s%n", launcher == null ? "plain JVM (defaults, no AOT cache)" : launcher + " wg up (role options, AOT cache)",
                    jvmOptions.isEmpty() ? "" : ", plus " + String.join(" ", jvmOptions));
            List<Case> cases = List.of(new Case("veth", "veth alone (no tunnel)", null, null),
                    new Case("go-go", "wireguard-go -> wireguard-go", Impl.GO, Impl.GO),
                    new Case("nx-go", "netext -> wireguard-go", Impl.NETEXT, Impl.GO),
                    new Case("go-nx", "wireguard-go -> netext", Impl.GO, Impl.NETEXT),
                    new Case("nx-nx", "netext -> netext", Impl.NETEXT, Impl.NETEXT))
                    .stream().filter(c -> only.isEmpty() || only.contains(c.key())).toList();
            double[] gbps = new double[cases.size()];
            String[] all = new String[cases.size()];
            for (int i = 0; i < cases.size(); i++) {
                double[] r = measure(cases.get(i), tmp);
                gbps[i] = median(r);
                StringBuilder sb = new StringBuilder();
                for (double x : r) sb.append(sb.isEmpty() ? "" : " / ").append(String.format(Locale.ROOT, "%.3f", x));
                all[i] = sb.toString();
                out.printf(Locale.ROOT, "  %-30s %7.3f Gbit/s  (%s)%n", cases.get(i).label(), gbps[i], all[i]);
                out.flush();
            }
            double base = 0;
            for (int i = 0; i < cases.size(); i++) if (cases.get(i).key().equals("go-go")) base = gbps[i];
            Table t = new Table(new boolean[]{false, true, true, false}, "path", "Gbit/s (median)", "vs go<->go", "rounds");
            for (int i = 0; i < cases.size(); i++) {
                t.add(cases.get(i).label(), String.format(Locale.ROOT, "%.3f", gbps[i]),
                        base > 0 ? String.format(Locale.ROOT, "%.2f×", gbps[i] / base) : "-", all[i]);
            }
            out.println();
            out.print(t.render(""));
            return 0;
        } finally {
            TempDirs.delete(tmp);
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? 0 : (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
    }

    private double[] measure(Case c, Path tmp) throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace a = lab.namespace("a"), b = lab.namespace("b");
            lab.veth(VethEnd.of("a", "a-eth", A_OUT + "/24"), VethEnd.of("b", "b-eth", B_OUT + "/24"));
            if (vethGro) {
                a.run("ethtool", "-K", "a-eth", "gro", "on").orThrow();
                b.run("ethtool", "-K", "b-eth", "gro", "on").orThrow();
            }
            if (c.sender() == null) return rounds(a, b, B_OUT);
            Key ka = Key.generatePrivate(), kb = Key.generatePrivate();
            List<Side> sides = new ArrayList<>();
            try {
                sides.add(start(c.sender(), a, ka, kb, A_IN, B_IN, B_OUT, tmp));
                sides.add(start(c.receiver(), b, kb, ka, B_IN, A_IN, A_OUT, tmp));
                ExecResult ping = a.run(Duration.ofSeconds(20), "ping", "-c", "10", "-i", "0.5", "-W", "5", B_IN);
                if (!ping.ok()) throw new IOException(c.label() + ": no ping through the tunnel:\n" + ping.output());
                iperf(a, b, B_IN, 2, "warm-up "); // JIT, TCP: the first seconds, shown, not counted
                long sender0 = CpuTime.ticks(sides.get(0).pid()), receiver0 = CpuTime.ticks(sides.get(1).pid());
                Map<String, Long> senderThreads0 = CpuTime.threadTicks(sides.get(0).pid());
                Map<String, Long> receiverThreads0 = CpuTime.threadTicks(sides.get(1).pid());
                Map<String, Long> udp0 = udpCounters(b);
                double[] r = rounds(a, b, B_IN);
                long sender = CpuTime.ticks(sides.get(0).pid()) - sender0, receiver = CpuTime.ticks(sides.get(1).pid()) - receiver0;
                double packets = Arrays.stream(r).sum() * 1e9 / 8 * seconds / CpuTime.SEGMENT_PAYLOAD;
                out.printf(Locale.ROOT, "    CPU per packet: sender %.1f µs, receiver %.1f µs (%,.0f packets; load average %s)%n",
                        CpuTime.micros(sender) / packets, CpuTime.micros(receiver) / packets, packets, CpuTime.loadAverage());
                Map<String, Long> senderThreads = CpuTime.threadTicks(sides.get(0).pid());
                Map<String, Long> receiverThreads = CpuTime.threadTicks(sides.get(1).pid());
                out.printf(Locale.ROOT, "    per thread, µs per packet: sender %s; receiver %s%n",
                        perThread(senderThreads0, senderThreads, packets), perThread(receiverThreads0, receiverThreads, packets));
                // the JIT compiles through the measured rounds when the machine is loaded: not a per-packet cost
                out.printf(Locale.ROOT, "    CPU per packet without the JIT compiler's threads: sender %.1f µs, receiver %.1f µs%n",
                        withoutJit(senderThreads0, senderThreads, packets), withoutJit(receiverThreads0, receiverThreads, packets));
                Map<String, Long> udp1 = udpCounters(b);
                out.printf(Locale.ROOT, "    receiver's UDP: %,d datagrams in, %,d receive-buffer errors%n",
                        udp1.getOrDefault("InDatagrams", 0L) - udp0.getOrDefault("InDatagrams", 0L),
                        udp1.getOrDefault("RcvbufErrors", 0L) - udp0.getOrDefault("RcvbufErrors", 0L));
                return r;
            } finally {
                for (Side s : sides.reversed()) s.stop().close();
            }
        }
    }

    /** The threads that used at least 0.1 µs per packet between two samples, busiest first. */
    private static String perThread(Map<String, Long> before, Map<String, Long> after, double packets) {
        StringBuilder sb = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), CpuTime.micros(e.getValue() - before.getOrDefault(e.getKey(), 0L)) / packets))
                .filter(e -> e.getValue() >= 0.1)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue())));
        return sb.toString();
    }

    private static double withoutJit(Map<String, Long> before, Map<String, Long> after, double packets) {
        long ticks = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            if (!e.getKey().contains("CompilerThre")) ticks += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return CpuTime.micros(ticks) / packets;
    }

    /** The UDP line of {@code /proc/net/snmp} in {@code ns} (InDatagrams, RcvbufErrors, …): drops at the tunnel's socket. */
    private static Map<String, Long> udpCounters(NetworkNamespace ns) throws Exception {
        String[] lines = ns.run("cat", "/proc/net/snmp").orThrow().output().split("\n");
        Map<String, Long> m = new HashMap<>();
        for (int i = 0; i + 1 < lines.length; i++) {
            if (!lines[i].startsWith("Udp: ") || !lines[i + 1].startsWith("Udp: ")) continue;
            String[] k = lines[i].substring(5).trim().split("\\s+"), v = lines[i + 1].substring(5).trim().split("\\s+");
            for (int j = 0; j < Math.min(k.length, v.length); j++) m.put(k[j], Long.parseLong(v[j]));
            break;
        }
        return m;
    }

    private double[] rounds(NetworkNamespace client, NetworkNamespace server, String address) throws Exception {
        double[] r = new double[rounds];
        for (int i = 0; i < rounds; i++) r[i] = iperf(client, server, address, seconds, "");
        return r;
    }

    private static final Pattern RECEIVER = Pattern.compile("([\\d.]+) Mbits/sec.*receiver");
    /** The sender's summary line: its TCP retransmissions follow the rate (reordering and drops in the tunnel show here). */
    private static final Pattern SENDER_RETR = Pattern.compile("Mbits/sec\\s+(\\d+)\\s+sender");

    /** Receiver-side Gbit/s of one iperf3 run from {@code client} to the server at {@code address}. */
    private double iperf(NetworkNamespace client, NetworkNamespace server, String address, int seconds, String label) throws Exception {
        Process s = server.exec("iperf3", "-s", "-1", "-p", "5301");
        try {
            ExecResult r = null;
            for (int i = 0; i < 30; i++) {
                r = client.run(Duration.ofSeconds(seconds + 30), "iperf3", "-c", address, "-p", "5301", "-t", String.valueOf(seconds), "-f", "m");
                if (r.ok() || !r.output().contains("Connection refused")) break;
                Thread.sleep(100);
            }
            Matcher m = RECEIVER.matcher(r.output());
            if (!r.ok() || !m.find()) throw new IOException("iperf3 to " + address + " failed:\n" + r.output());
            double gbps = Double.parseDouble(m.group(1)) / 1000;
            Matcher retr = SENDER_RETR.matcher(r.output());
            out.printf(Locale.ROOT, "    %s%.3f Gbit/s, %s TCP retransmissions%n", label, gbps, retr.find() ? retr.group(1) : "?");
            return gbps;
        } finally {
            s.destroyForcibly();
            s.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** One tunnel end: how to stop it, and the process whose CPU time it costs. */
    record Side(AutoCloseable stop, long pid) {}

    private Side start(Impl impl, NetworkNamespace ns, Key own, Key peer, String ownIn, String peerIn, String peerOut,
                                Path tmp) throws Exception {
        String name = (impl == Impl.GO ? "bgo" : "bnx") + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        if (impl == Impl.GO) {
            Process go = ns.exec("wireguard-go", "-f", name);
            Path sock = Path.of("/var/run/wireguard", name + ".sock");
            AutoCloseable stop = () -> {
                go.destroyForcibly();
                go.waitFor(5, TimeUnit.SECONDS);
                Files.deleteIfExists(sock);
            };
            try {
                for (int i = 0; i < 200 && !Files.exists(sock); i++) Thread.sleep(25);
                Path key = tmp.resolve(name + ".key");
                Files.writeString(key, own.toBase64() + "\n");
                ns.run("wg", "set", name, "private-key", key.toString(), "listen-port", "51820", "peer", peer.publicKey().toBase64(),
                        "endpoint", peerOut + ":51820", "allowed-ips", peerIn + "/32").orThrow();
                ns.ip("addr", "add", ownIn + "/24", "dev", name);
                ns.linkUp(name);
                return new Side(stop, go.pid());
            } catch (Exception e) {
                stop.close();
                throw e;
            }
        }
        Path conf = tmp.resolve(name + ".conf");
        Files.writeString(conf, WgQuick.oneEnd(own.toBase64(), ownIn + "/24", 51820, peer.publicKey().toBase64(),
                peerOut + ":51820", peerIn + "/32", 0));
        List<String> args = new ArrayList<>();
        args.add("wg");
        args.add("up");
        args.add(conf.toString());
        NetextProcess nx;
        if (launcher != null) {
            List<String> command = new ArrayList<>();
            command.add(launcher.toString());
            command.addAll(args);
            nx = NetextProcess.startCommand(ns, command, jvmOptions.isEmpty() ? Map.of() : Map.of("NETEXT_JAVA_OPTS", String.join(" ", jvmOptions)));
        } else {
            nx = jvmOptions.isEmpty() ? NetextProcess.start(ns, args.toArray(String[]::new))
                    : NetextProcess.startWithJvmOptions(ns, jvmOptions, args.toArray(String[]::new));
        }
        try {
            nx.awaitConnected(Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            nx.close();
            throw e;
        }
        return new Side(() -> {
            if (nx.terminate(Duration.ofSeconds(20)) != 0) out.println("netext exited with an error:\n" + nx.output());
        }, nx.pid());
    }
}
