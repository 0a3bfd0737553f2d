package dev.netext.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import dev.netext.api.EventSink;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code netext-bench flows --cases gateway}: forwarded TCP through a gateway namespace, in one run and in turns per
 * round — direct (the gateway a plain router), the fast path (the engine in gateway mode judging from queued packets;
 * the kernel forwards the flow) and the terminated path ({@code fast-path: false}: TPROXY, netext relays every byte):
 * iperf3 throughput, its ratio to direct, and netext's CPU time per GB meanwhile (this JVM: the engine runs here); then
 * connect + a short request + the first byte of its echo, 300 connections in a row (p50/p99, CPU per connection).
 * <pre>
 *   client (iperf3 -c) ──veth── gw (netext, gateway: [gw-c]) ──veth── server (iperf3 -s)
 * </pre>
 */
final class GatewayFlowBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVER = "10.9.7.2";
    private static final int ECHO_PORT = 7007, CONNECTIONS = 300;
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final PrintStream out;
    private final int seconds, rounds;

    GatewayFlowBench(PrintStream out, int seconds, int rounds) {
        this.out = out;
        this.seconds = seconds;
        this.rounds = rounds;
    }

    int run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-gateway");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), gw = lab.namespace("gw"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-gw", "10.9.6.2/24"), VethEnd.of("gw", "gw-c", "10.9.6.1/24"));
            lab.veth(VethEnd.of("gw", "gw-s", "10.9.7.1/24"), VethEnd.of("server", "s-gw", SERVER + "/24"));
            c.ip("route", "add", "default", "via", "10.9.6.1").orThrow();
            s.ip("route", "add", "default", "via", "10.9.7.1").orThrow();
            gw.setSysctl("net.ipv4.ip_forward", "1");
            FlowBench.Servers servers = FlowBench.Servers.start(s, SERVER, ECHO_PORT);
            Thread.sleep(500);
            FlowEngineConfig fast = FlowEngineConfig.defaults("bench-gateway", InterceptionConfig.Scope.ALL)
                    .withLedgerDir(ledgers);
            fast = fast.withInterception(fast.interception().withGateway(List.of("gw-c")));
            FlowEngineConfig terminated = fast.withInterception(fast.interception().withFastPath(false));
            out.printf("flows bench, gateway: forwarded iperf3 TCP client -> gw -> server (%d s per run, %d round(s)), load %s%n",
                    seconds, rounds, CpuTime.loadAverage());
            try {
                for (int r = 1; r <= rounds; r++) {
                    Run direct = measure(c, gw, null);
                    Run fastRun = measure(c, gw, fast), term = measure(c, gw, terminated);
                    out.printf("round %d: forwarded TCP direct %.2f Gbit/s; fast path %.2f Gbit/s (%.2f x direct, netext CPU %.2f s/GB); "
                                    + "terminated %.2f Gbit/s (%.2f x direct, netext CPU %.2f s/GB); load %s%n",
                            r, direct.gbps(), fastRun.gbps(), fastRun.gbps() / direct.gbps(), fastRun.cpuSecondsPerGb(),
                            term.gbps(), term.gbps() / direct.gbps(), term.cpuSecondsPerGb(), CpuTime.loadAverage());
                    out.printf("round %d: forwarded connect+first byte p50/p99 direct %.0f/%.0f us; fast path %.0f/%.0f us "
                                    + "(added p50 %.0f us); terminated %.0f/%.0f us (added p50 %.0f us); CPU us/flow direct %.0f, "
                                    + "fast path %.0f, terminated %.0f%n",
                            r, FlowBench.pct(direct.setup(), 50), FlowBench.pct(direct.setup(), 99),
                            FlowBench.pct(fastRun.setup(), 50), FlowBench.pct(fastRun.setup(), 99),
                            FlowBench.pct(fastRun.setup(), 50) - FlowBench.pct(direct.setup(), 50),
                            FlowBench.pct(term.setup(), 50), FlowBench.pct(term.setup(), 99),
                            FlowBench.pct(term.setup(), 50) - FlowBench.pct(direct.setup(), 50),
                            direct.cpuMicrosPerFlow(), fastRun.cpuMicrosPerFlow(), term.cpuMicrosPerFlow());
                    out.flush();
                }
            } finally {
                servers.stop();
            }
        } finally {
            TempDirs.delete(ledgers);
        }
        return 0;
    }

    /**
     * Throughput and this JVM's CPU seconds per GB received (netext's cost; 0 without an engine); connect-to-first-byte
     * times of sequential connections, and this JVM's CPU per connection (client and echo server included).
     */
    private record Run(double gbps, double cpuSecondsPerGb, long[] setup, double cpuMicrosPerFlow) {}

    /** One iperf3 run and the setup times from {@code c}, with an engine of {@code cfg} in {@code gw} (none: a router). */
    private Run measure(NetworkNamespace c, NetworkNamespace gw, FlowEngineConfig cfg) throws Exception {
        FlowEngine engine = cfg == null ? null : gw.runInside(() -> FlowEngine.start(cfg, FlowBench.filterWithoutProcess(),
                List.of(), Map.of(), EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try {
            long cpu0 = os.getProcessCpuTime();
            ExecResult r = c.run(Duration.ofSeconds(seconds + 20), "iperf3", "-c", SERVER, "-t", Integer.toString(seconds), "-J");
            long cpu = os.getProcessCpuTime() - cpu0;
            JsonNode end = JSON.readTree(r.output()).path("end").path("sum_received");
            if (end.path("bits_per_second").isMissingNode()) throw new IllegalStateException("iperf3 failed: " + r.output());
            double gb = end.path("bytes").asDouble() / 1e9;
            long[] setup = new long[CONNECTIONS];
            long flowsCpu0 = os.getProcessCpuTime();
            c.runInside(() -> {
                for (int i = 0; i < CONNECTIONS; i++) {
                    long t0 = System.nanoTime();
                    try (Socket sock = new Socket()) {
                        sock.setTcpNoDelay(true);
                        sock.connect(new InetSocketAddress(SERVER, ECHO_PORT), 5000);
                        sock.getOutputStream().write(REQUEST); // named at once by its Host
                        if (sock.getInputStream().read() != 'G') throw new IllegalStateException("echo failed");
                    }
                    setup[i] = System.nanoTime() - t0;
                }
                return null;
            });
            return new Run(end.path("bits_per_second").asDouble() / 1e9, cfg == null || gb == 0 ? 0 : cpu / 1e9 / gb,
                    setup, (os.getProcessCpuTime() - flowsCpu0) / 1e3 / CONNECTIONS);
        } finally {
            if (engine != null) gw.runInside(engine::close);
        }
    }
}
