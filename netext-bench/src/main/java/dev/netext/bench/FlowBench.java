package dev.netext.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import dev.netext.api.EventSink;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * {@code netext-bench flows}: in one run, side by side, over a veth between two namespaces — iperf3 TCP direct,
 * direct with conntrack on ({@link ConntrackOn}: what the fast path's rules need, apart), on the fast path (the rules
 * filter allowing from queued packets; the kernel carries the flow) and on the terminated path (TPROXY, netext relays
 * every byte); connection setup + first round trip (p50/p99) direct, fast path and terminated (attribution, naming,
 * verdict; on the terminated path the upstream connect too); UDP ({@link UdpFlowBench}); and the rules filter's
 * verdict rate on its own.
 */
final class FlowBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final PrintStream out;
    private final int seconds, rounds, connections;

    FlowBench(PrintStream out, int seconds, int rounds, int connections) {
        this.out = out;
        this.seconds = seconds;
        this.rounds = rounds;
        this.connections = connections;
    }

    static RulesFilter filter() {
        return new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.DROP).withProcessName("wget"),
                FlowRule.of(RuleAction.PROMPT).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443)),
                FlowRule.of(RuleAction.DROP).withUid(4242L),
                FlowRule.of(RuleAction.DROP).withCgroup("/system.slice/evil.service")),
                RuleAction.ALLOW, Duration.ofSeconds(30), FinalVerdict.DROP, DropMode.RESET);
    }

    /**
     * The same filter without process rules or prompts: it needs no process, so its verdict does not wait for
     * attribution (the flow's events still carry the process).
     */
    static RulesFilter filterWithoutProcess() {
        return new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.DROP).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443))),
                RuleAction.ALLOW, Duration.ofSeconds(30), FinalVerdict.DROP, DropMode.RESET);
    }

    int run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-flows");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-eth", "10.9.8.1/24"), VethEnd.of("server", "s-eth", "10.9.8.2/24"));
            Servers servers = Servers.start(s, "10.9.8.2", 7007);
            Thread.sleep(500);
            out.printf("flows bench: iperf3 TCP client -> server over a veth (%d s per run, %d round(s)); %d connections for setup latency%n",
                    seconds, rounds, connections);
            try {
                for (int r = 1; r <= rounds; r++) {
                    double direct = iperf(c);
                    double tracked;
                    try (ConntrackOn on = ConntrackOn.in(c)) {
                        tracked = iperf(c);
                    }
                    // what conntrack alone costs: the fast path's rules need it, the direct run has none in its namespace
                    out.printf("round %d: iperf3 TCP direct %.2f Gbit/s, direct with conntrack on %.2f Gbit/s, ratio %.2f%n",
                            r, direct, tracked, tracked / direct);
                    Setups directLat = latencies(c);
                    FlowEngineConfig fast = FlowEngineConfig.defaults("bench", InterceptionConfig.Scope.ALL)
                            .withLedgerDir(ledgers);
                    FlowEngineConfig terminated = fast.withInterception(fast.interception().withFastPath(false));
                    report(r, "fast path", direct, tracked, directLat, measure(c, fast));
                    report(r, "terminated", direct, tracked, directLat, measure(c, terminated));
                    out.flush();
                }
            } finally {
                servers.stop();
            }
        } finally {
            TempDirs.delete(ledgers);
        }
        new UdpFlowBench(out, rounds).run();
        verdictRate();
        return 0;
    }

    /** Throughput (Gbit/s) and setup latencies with each filter: with process rules, and without. */
    private record Measured(double gbps, Setups latencies, Setups latenciesWithoutProcess) {}

    /**
     * Connect-to-first-byte times, this JVM's CPU time per connection meanwhile (client, echo server, netext), and the
     * JIT's compile time meanwhile: on 2 cores a busy compiler is a third party to every connection timed (in this
     * bench's rounds 1-2 C2's thread used 90-390 CPU-ms during 0.3-0.9 s measurements; docs/PERFORMANCE.md "Why the full
     * run's setup figure is higher").
     */
    /** Per connection: connect + first byte ({@code nanos}), and of it the handshake ({@code connectNanos}). */
    record Setups(long[] nanos, long[] connectNanos, double cpuMicrosPerFlow, long jitMillis,
                  Map<String, Long> threadCpuNanos) {
        /** The threads that used the most CPU, µs per connection, by name without its number. */
        String topThreads(int n) {
            return threadCpuNanos.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(n).map(e -> String.format("%s %.0f", e.getKey(), e.getValue() / 1e3 / nanos.length))
                    .collect(Collectors.joining(", "));
        }
    }

    /** CPU time of every live thread, summed by name with its digits removed (a pool's threads as one). */
    static Map<String, Long> threadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new HashMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) continue;
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) out.merge(info.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
        }
        return out;
    }

    static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new HashMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0L)));
        return out;
    }

    private Measured measure(NetworkNamespace c, FlowEngineConfig cfg) throws Exception {
        FlowEngine engine = c.runInside(() -> FlowEngine.start(cfg, filter(), List.of(), Map.of(),
                EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
        double gbps;
        Setups lat;
        try {
            gbps = iperf(c);
            lat = latencies(c);
        } finally {
            c.runInside(engine::close);
        }
        FlowEngine hostOnly = c.runInside(() -> FlowEngine.start(cfg, filterWithoutProcess(), List.of(),
                Map.of(), EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
        try {
            return new Measured(gbps, lat, latencies(c));
        } finally {
            c.runInside(hostOnly::close);
        }
    }

    private void report(int r, String path, double direct, double tracked, Setups directSetups, Measured m) {
        out.printf("round %d: iperf3 TCP direct %.2f Gbit/s, %s %.2f Gbit/s, ratio %.2f (%.2f of direct with conntrack on)%n",
                r, direct, path, m.gbps(), m.gbps() / direct, m.gbps() / tracked);
        long[] directLat = directSetups.nanos(), lat = m.latencies().nanos();
        out.printf("round %d: connect+first byte direct p50 %.0f us p99 %.0f us; %s p50 %.0f us p99 %.0f us (added p50 %.0f us, p99 %.0f us); %.0f flows/s sequential; CPU %.0f us/flow (direct %.0f); JIT compiling %d ms meanwhile (direct %d)%n",
                r, pct(directLat, 50), pct(directLat, 99), path, pct(lat, 50), pct(lat, 99),
                pct(lat, 50) - pct(directLat, 50), pct(lat, 99) - pct(directLat, 99),
                connections / (Arrays.stream(lat).sum() / 1e9), m.latencies().cpuMicrosPerFlow(),
                directSetups.cpuMicrosPerFlow(), m.latencies().jitMillis(), directSetups.jitMillis());
        long[] np = m.latenciesWithoutProcess().nanos();
        out.printf("round %d: same, %s, filter without process rules (no wait for attribution): p50 %.0f us p99 %.0f us (added p50 %.0f us, p99 %.0f us); CPU %.0f us/flow; JIT compiling %d ms meanwhile%n",
                r, path, pct(np, 50), pct(np, 99), pct(np, 50) - pct(directLat, 50), pct(np, 99) - pct(directLat, 99),
                m.latenciesWithoutProcess().cpuMicrosPerFlow(), m.latenciesWithoutProcess().jitMillis());
    }

    /** The rules filter alone: new-flow verdicts per second on one thread (5 rules, default allow: worst case). */
    private void verdictRate() {
        RulesFilter f = filter();
        ProcessInfo p = ProcessInfo.builder().pid(100).executable(Path.of("/usr/bin/curl")).uid(1000)
                .cgroupPath("/user.slice/user-1000.slice/app.slice/x.scope").build();
        TcpFlow[] flows = new TcpFlow[1024];
        for (int i = 0; i < flows.length; i++)
            flows[i] = new TcpFlow(i + 1, Direction.OUTBOUND, Endpoint.parse("10.0.0.1:" + (10000 + i)),
                    Endpoint.parse("198.51.100." + (i % 250) + ":443"), p,
                    Optional.of(new HostnameInfo("host" + i + ".example.test", HostnameInfo.Source.TLS_SNI)),
                    Optional.empty(), Instant.EPOCH);
        long sink = 0;
        for (int i = 0; i < 2_000_000; i++) sink += f.handleNewFlow(flows[i & 1023]).hashCode(); // warm up
        int n = 5_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) sink += f.handleNewFlow(flows[i & 1023]).hashCode();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf("rules filter: %.0f new-flow verdicts/s on one thread (5 rules, every rule tried) [%d]%n", n / secs, sink & 1);
    }

    /** A TCP echo on {@code address:port} in a namespace, answered by a thread of this JVM: the setup latencies' peer. */
    record Echo(ServerSocket socket, Thread thread) {
        static Echo start(NetworkNamespace ns, String address, int port) throws Exception {
            ServerSocket socket = ns.runInside(() -> new ServerSocket(port, 512, InetAddress.getByName(address)));
            return new Echo(socket, Thread.ofPlatform().daemon().start(() -> serveEcho(socket)));
        }

        void stop() throws IOException, InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }

    /** The server side of the TCP benches on {@code address}: iperf3's server, and the {@link Echo} on {@code echoPort}. */
    record Servers(Process iperf, Echo echo) {
        static Servers start(NetworkNamespace ns, String address, int echoPort) throws Exception {
            Process iperf = ns.exec("iperf3", "-s", "-B", address);
            return new Servers(iperf, Echo.start(ns, address, echoPort));
        }

        void stop() throws IOException, InterruptedException {
            echo.stop();
            iperf.destroy();
            iperf.waitFor();
        }
    }

    static void serveEcho(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                        int b;
                        while ((b = in.read()) >= 0) o.write(b);
                    } catch (Exception ignored) {
                        // client went away
                    }
                });
            } catch (Exception e) {
                return;
            }
        }
    }

    /** Connect, send a short HTTP request, receive its first byte back: the time a short request waits, per connection. */
    private Setups latencies(NetworkNamespace c) throws Exception {
        return latencies(c, connections);
    }

    /** {@link #latencies(NetworkNamespace)} over {@code connections} connections. */
    static Setups latencies(NetworkNamespace c, int connections) throws Exception {
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var jit = ManagementFactory.getCompilationMXBean();
        return c.runInside(() -> {
            long[] out = new long[connections], connect = new long[connections];
            var threads0 = threadCpu();
            long cpu0 = os.getProcessCpuTime(), jit0 = jit.getTotalCompilationTime();
            for (int i = 0; i < connections; i++) {
                long t0 = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress("10.9.8.2", 7007), 5000);
                    connect[i] = System.nanoTime() - t0;
                    s.getOutputStream().write(REQUEST); // a real first flight: the namer settles on it at once
                    if (s.getInputStream().read() != 'G') throw new IllegalStateException("echo failed");
                }
                out[i] = System.nanoTime() - t0;
            }
            return new Setups(out, connect, (os.getProcessCpuTime() - cpu0) / 1e3 / connections,
                    jit.getTotalCompilationTime() - jit0, minus(threadCpu(), threads0));
        });
    }

    static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e3;
    }

    private double iperf(NetworkNamespace c) throws Exception {
        ExecResult r = c.run(Duration.ofSeconds(seconds + 20), "iperf3", "-c", "10.9.8.2", "-t", Integer.toString(seconds), "-J");
        JsonNode j = JSON.readTree(r.output());
        JsonNode bps = j.path("end").path("sum_received").path("bits_per_second");
        if (bps.isMissingNode()) throw new IllegalStateException("iperf3 failed: " + r.output());
        return bps.asDouble() / 1e9;
    }
}
