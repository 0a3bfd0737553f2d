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
 * iperf3 throughput, its ratio to direct, and netext's CPU time per GB meanwhile (this JVM: the engine runs here).
 * <pre>
 *   client (iperf3 -c) ──veth── gw (netext, gateway: [gw-c]) ──veth── server (iperf3 -s)
 * </pre>
 */
final class GatewayFlowBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVER = "10.9.7.2";
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
            Process iperf = s.exec("iperf3", "-s", "-B", SERVER);
            Thread.sleep(500);
            FlowEngineConfig fast = FlowEngineConfig.defaults("bench-gateway", InterceptionConfig.Scope.ALL)
                    .withLedgerDir(ledgers);
            fast = fast.withInterception(fast.interception().withGateway(List.of("gw-c")));
            FlowEngineConfig terminated = fast.withInterception(fast.interception().withFastPath(false));
            out.printf("flows bench, gateway: forwarded iperf3 TCP client -> gw -> server (%d s per run, %d round(s)), load %s%n",
                    seconds, rounds, CpuTime.loadAverage());
            try {
                for (int r = 1; r <= rounds; r++) {
                    Run direct = iperf(c, gw, null);
                    Run fastRun = iperf(c, gw, fast), term = iperf(c, gw, terminated);
                    out.printf("round %d: forwarded TCP direct %.2f Gbit/s; fast path %.2f Gbit/s (%.2f x direct, netext CPU %.2f s/GB); "
                                    + "terminated %.2f Gbit/s (%.2f x direct, netext CPU %.2f s/GB); load %s%n",
                            r, direct.gbps(), fastRun.gbps(), fastRun.gbps() / direct.gbps(), fastRun.cpuSecondsPerGb(),
                            term.gbps(), term.gbps() / direct.gbps(), term.cpuSecondsPerGb(), CpuTime.loadAverage());
                    out.flush();
                }
            } finally {
                iperf.destroy();
                iperf.waitFor();
            }
        } finally {
            if (Files.isDirectory(ledgers)) { // the engine's close may have removed it
                try (var st = Files.list(ledgers)) {
                    for (Path p : st.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(ledgers);
            }
        }
        return 0;
    }

    /** Throughput, and this JVM's CPU seconds per GB received (netext's cost; 0 without an engine). */
    private record Run(double gbps, double cpuSecondsPerGb) {}

    /** One iperf3 run from {@code c}, with an engine of {@code cfg} in {@code gw} (none: the gateway only routes). */
    private Run iperf(NetworkNamespace c, NetworkNamespace gw, FlowEngineConfig cfg) throws Exception {
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
            return new Run(end.path("bits_per_second").asDouble() / 1e9, cfg == null || gb == 0 ? 0 : cpu / 1e9 / gb);
        } finally {
            if (engine != null) gw.runInside(engine::close);
        }
    }
}
