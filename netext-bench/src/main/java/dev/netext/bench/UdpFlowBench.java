package dev.netext.bench;

import dev.netext.api.EventSink;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.proxy.DatagramTrains;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.lab.traffic.UdpProbe;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.tproxy.InterceptionConfig;

import com.sun.management.OperatingSystemMXBean;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The UDP part of {@code netext-bench flows}, side by side over a veth between two namespaces: a UDP echo (RFC 862)
 * probed with a bounded window of 1200-byte datagrams (one flow), direct, on the fast path (the first datagram
 * queued and judged, the rest carried by the kernel) and on the terminated path (after its first datagram the kernel
 * delivers the rest to the flow's connected reply socket, netext relays each), with the rules filter allowing; and
 * new-flow setup — a fresh socket, one datagram, its echo — p50/p99 the same three ways. Also the CPU time per echoed
 * datagram of netext's threads, the client, the echo and the whole process, which a loaded machine distorts less than
 * throughput: with every party busy on a few cores, the datagram rate ratio tends to the CPU ratio (direct ÷ through
 * netext, whole process).
 *
 * <p>The terminated path runs twice per round, interleaved: reading GSO trains whole ({@code UDP_GRO},
 * {@link DatagramTrains}, the default) and with Netty's {@code recvmmsg} batches ({@code -Dnetext.flow.udpGro=false},
 * the relay before trains); each line says how many of the relayed datagrams arrived in trains. {@code gsoClient}: the
 * client sends its window as GSO trains ({@link GsoUdpProbe}, as QUIC stacks do) instead of one datagram per send;
 * {@code gsoEcho}: the echo reads with GRO and answers a read's datagrams as GSO trains ({@link GsoUdpEcho}, as a QUIC
 * server with GSO does);
 * {@code vethGro}: GRO on both veth ends, as a NIC has it (the echo's answers reach the relay's upstream socket as
 * trains the interface merged).
 */
final class UdpFlowBench {
    /** Datagrams per probe unless given. */
    static final int DATAGRAMS = 20_000;
    private static final int SIZE = 1200, WINDOW = 64, NEW_FLOWS = 300;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final OperatingSystemMXBean PROCESS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final List<String> NETEXT_THREADS = List.of("multiThreadIoEventLoopGroup", "flow-verdicts",
            "netext-udp-listener", "flow-decision");
    private static final String TRAINS_PROPERTY = "netext.flow.udpGro";
    private final PrintStream out;
    private final int rounds;
    private final boolean gsoClient, gsoEcho, vethGro;
    /** The terminated path's relays to run each round: true reads GRO trains, false Netty's recvmmsg batches. */
    private final List<Boolean> relays;
    private final int datagrams;

    UdpFlowBench(PrintStream out, int rounds) {
        this(out, rounds, DATAGRAMS, false, false, false, List.of(true, false));
    }

    UdpFlowBench(PrintStream out, int rounds, int datagrams, boolean gsoClient, boolean gsoEcho, boolean vethGro,
                 List<Boolean> relays) {
        this.out = out;
        this.rounds = rounds;
        this.datagrams = datagrams;
        this.gsoClient = gsoClient;
        this.gsoEcho = gsoEcho;
        this.vethGro = vethGro;
        this.relays = relays;
    }

    void run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-udpflows");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-eth", "10.9.9.1/24"), VethEnd.of("server", "s-eth", "10.9.9.2/24"));
            InetSocketAddress target = new InetSocketAddress("10.9.9.2", 7);
            if (vethGro) {
                c.run("ethtool", "-K", "c-eth", "gro", "on").orThrow();
                s.run("ethtool", "-K", "s-eth", "gro", "on").orThrow();
            }
            AutoCloseable echo = gsoEcho ? s.runInside(() -> GsoUdpEcho.open(target)) : s.runInside(() -> UdpEchoServer.open(target));
            try (echo) {
                out.printf("flows bench, UDP: %d x %d-byte datagrams, window %d, to an echo over a veth; %d new flows for setup latency; client %s; echo %s; veth GRO %s%n",
                        datagrams, SIZE, WINDOW, NEW_FLOWS, gsoClient ? "sends GSO trains" : "sends one datagram per send",
                        gsoEcho ? "reads with GRO, answers in GSO trains" : "answers datagram by datagram",
                        vethGro ? "on" : "off");
                for (int r = 1; r <= rounds; r++) {
                    Probed direct = probe(c, target);
                    long[] directSetup = setups(c, target);
                    Probed tracked = probeWithConntrack(c, target);
                    FlowEngineConfig fast = FlowEngineConfig.defaults("bench", InterceptionConfig.Scope.ALL).withLedgerDir(ledgers);
                    FlowEngineConfig terminated = fast.withInterception(fast.interception().withFastPath(false));
                    UdpProbe.Result d = direct.result(), t = tracked.result();
                    // what conntrack alone costs (netext's rules need it; the direct run has none in its namespace)
                    out.printf("round %d: UDP echo direct %.0f datagrams/s, direct with conntrack on %.0f datagrams/s, ratio %.2f; client CPU per echoed datagram %.1f / %.1f us%n",
                            r, d.answeredPerSecond(), t.answeredPerSecond(), t.answeredPerSecond() / d.answeredPerSecond(),
                            perDatagram(direct.cpuNanos(), d), perDatagram(tracked.cpuNanos(), t));
                    report(r, "fast path", direct, directSetup, through(c, target, fast, true));
                    // the two relays in turns, so neither always runs first after the fast path (JIT, load)
                    for (boolean trains : r % 2 == 1 ? relays : relays.reversed())
                        report(r, trains ? "terminated" : "terminated without GRO", direct, directSetup,
                                through(c, target, terminated, trains));
                    out.flush();
                }
            }
        } finally {
            TempDirs.delete(ledgers);
        }
    }

    /** One path's run: the probe, the CPU time netext's threads spent on it, and new-flow setups. */
    private record Through(Probed probed, long netextCpuNanos, long[] setups, long trainDatagrams) {}

    /** {@code trains}: the relay reads GSO trains whole (the default), or Netty's recvmmsg batches (before). */
    private Through through(NetworkNamespace c, InetSocketAddress target, FlowEngineConfig cfg, boolean trains) throws Exception {
        System.setProperty(TRAINS_PROPERTY, Boolean.toString(trains)); // read per flow
        try {
            return through(c, target, cfg);
        } finally {
            System.clearProperty(TRAINS_PROPERTY);
        }
    }

    private Through through(NetworkNamespace c, InetSocketAddress target, FlowEngineConfig cfg) throws Exception {
        FlowEngine engine = c.runInside(() -> FlowEngine.start(cfg, FlowBench.filter(), List.of(), Map.of(),
                EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
        try {
            Map<Long, Long> before = netextCpu();
            long trains = DatagramTrains.trainDatagrams();
            Probed p = probe(c, target);
            long cpu = 0;
            for (Map.Entry<Long, Long> e : netextCpu().entrySet()) cpu += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            trains = DatagramTrains.trainDatagrams() - trains;
            return new Through(p, cpu, setups(c, target), trains);
        } finally {
            c.runInside(engine::close);
        }
    }

    private void report(int r, String path, Probed direct, long[] directSetup, Through t) {
        UdpProbe.Result d = direct.result(), x = t.probed().result();
        out.printf("round %d: UDP echo direct %.0f datagrams/s (%.0f Mbit/s, rtt avg %.0f us, loss %.1f%%), %s %.0f datagrams/s (%.0f Mbit/s, rtt avg %.0f us, loss %.1f%%), ratio %.2f%n",
                r, d.answeredPerSecond(), d.megabitsPerSecond(), d.avgRttNanos() / 1e3, d.lossPercent(), path,
                x.answeredPerSecond(), x.megabitsPerSecond(), x.avgRttNanos() / 1e3, x.lossPercent(),
                x.answeredPerSecond() / d.answeredPerSecond());
        // CPU time is what a loaded machine does not distort as much as throughput: netext's threads (event loops,
        // queue, listeners, attribution), and the client's own sending and receiving (the kernel's work for its
        // datagrams, netfilter rules included, is charged to it), per echoed datagram
        out.printf("round %d: CPU per echoed datagram: netext threads, %s %.2f us; client direct %.1f us, %s %.1f us; echo direct %.1f us, %s %.1f us; whole process direct %.1f us, %s %.1f us (CPU ratio %.2f)%n",
                r, path, t.netextCpuNanos() / 1e3 / Math.max(1, x.answered()),
                perDatagram(direct.cpuNanos(), d), path, perDatagram(t.probed().cpuNanos(), x),
                perDatagram(direct.echoNanos(), d), path, perDatagram(t.probed().echoNanos(), x),
                perDatagram(direct.processNanos(), d), path, perDatagram(t.probed().processNanos(), x),
                perDatagram(direct.processNanos(), d) / perDatagram(t.probed().processNanos(), x));
        out.printf("round %d: %s: %d of %d relayed datagrams (both ways) arrived in GSO/GRO trains%n",
                r, path, t.trainDatagrams(), 2L * x.answered());
        out.printf("round %d: new UDP flow (first datagram + echo) direct p50 %.0f us p99 %.0f us; %s p50 %.0f us p99 %.0f us%n",
                r, pct(directSetup, 50), pct(directSetup, 99), path, pct(t.setups(), 50), pct(t.setups(), 99));
    }

    /** A direct probe with conntrack tracking the client namespace ({@link ConntrackOn}). */
    private Probed probeWithConntrack(NetworkNamespace c, InetSocketAddress target) throws Exception {
        try (ConntrackOn on = ConntrackOn.in(c)) {
            return probe(c, target);
        }
    }

    /**
     * A probe run and the CPU time used meanwhile: by its thread (the client), by the echo's thread and by the whole
     * process (client, echo, netext, and the JIT and GC threads {@code ThreadMXBean} does not list).
     */
    private record Probed(UdpProbe.Result result, long cpuNanos, long echoNanos, long processNanos) {}

    private Probed probe(NetworkNamespace c, InetSocketAddress target) throws Exception {
        long echo0 = echoCpu(), process0 = PROCESS.getProcessCpuTime();
        return c.runInside(() -> {
            long t0 = THREADS.getCurrentThreadCpuTime();
            UdpProbe.Result r = gsoClient ? GsoUdpProbe.run(target, datagrams, SIZE, WINDOW, Duration.ofSeconds(60))
                    : UdpProbe.run(target, datagrams, SIZE, WINDOW, Duration.ofSeconds(60));
            long client = THREADS.getCurrentThreadCpuTime() - t0;
            return new Probed(r, client, echoCpu() - echo0, PROCESS.getProcessCpuTime() - process0);
        });
    }

    private static double perDatagram(long nanos, UdpProbe.Result r) { return nanos / 1e3 / Math.max(1, r.answered()); }

    /** CPU time so far of the echo's thread ({@link UdpEchoServer}'s name). */
    private static long echoCpu() {
        long cpu = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds()))
            if (t != null && t.getThreadName().equals("udp-echo")) cpu += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
        return cpu;
    }

    /**
     * CPU time so far of each live thread of the flow engine, by thread id: its event loops (Netty's default names),
     * the fast path's queue, the UDP listeners, the decision pool (attribution and decisions).
     */
    private static Map<Long, Long> netextCpu() {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds()))
            if (t != null && NETEXT_THREADS.stream().anyMatch(t.getThreadName()::startsWith))
                cpu.put(t.getThreadId(), Math.max(0, THREADS.getThreadCpuTime(t.getThreadId())));
        return cpu;
    }

    /** A fresh connected socket per flow: send one datagram, wait for its echo. */
    private static long[] setups(NetworkNamespace c, InetSocketAddress target) throws Exception {
        return c.runInside(() -> {
            long[] t = new long[NEW_FLOWS];
            byte[] payload = "new flow".getBytes();
            for (int i = 0; i < NEW_FLOWS; i++) {
                try (DatagramSocket s = new DatagramSocket()) {
                    s.connect(target);
                    s.setSoTimeout(3000);
                    long t0 = System.nanoTime();
                    s.send(new DatagramPacket(payload, payload.length));
                    s.receive(new DatagramPacket(new byte[64], 64));
                    t[i] = System.nanoTime() - t0;
                }
            }
            return t;
        });
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e3;
    }
}
