package dev.netext.bench;

import dev.netext.api.EventSink;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.lab.traffic.UdpProbe;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.io.PrintStream;
import com.sun.management.OperatingSystemMXBean;

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
 * probed with a bounded window of 1200-byte datagrams (one flow: after its first datagram the kernel delivers the
 * rest to the flow's connected reply socket), direct vs through interception with the rules filter allowing; and
 * new-flow setup — a fresh socket, one datagram, its echo — p50/p99, direct vs intercepted (listener, attribution,
 * naming, verdict, two relay sockets). Also the CPU time per echoed datagram of the relay's event loops, the client,
 * the echo and the whole process, which a loaded machine distorts less than throughput: with every party busy on a
 * few cores, the datagram rate ratio tends to the CPU ratio (direct ÷ intercepted, whole process).
 */
final class UdpFlowBench {
    private static final int DATAGRAMS = 20_000, SIZE = 1200, WINDOW = 64, NEW_FLOWS = 300;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final OperatingSystemMXBean PROCESS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final PrintStream out;
    private final int rounds;

    UdpFlowBench(PrintStream out, int rounds) {
        this.out = out;
        this.rounds = rounds;
    }

    void run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-udpflows");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-eth", "10.9.9.1/24"), VethEnd.of("server", "s-eth", "10.9.9.2/24"));
            InetSocketAddress target = new InetSocketAddress("10.9.9.2", 7);
            try (UdpEchoServer echo = s.runInside(() -> UdpEchoServer.open(target))) {
                out.printf("flows bench, UDP: %d x %d-byte datagrams, window %d, to an echo over a veth; %d new flows for setup latency%n",
                        DATAGRAMS, SIZE, WINDOW, NEW_FLOWS);
                for (int r = 1; r <= rounds; r++) {
                    Probed direct = probe(c, target);
                    long[] directSetup = setups(c, target);
                    FlowEngineConfig cfg = FlowEngineConfig.defaults("bench", InterceptionConfig.Scope.ALL).withLedgerDir(ledgers);
                    FlowEngine engine = c.runInside(() -> FlowEngine.start(cfg, FlowBench.filter(), List.of(), Map.of(),
                            EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
                    Probed through;
                    long relayCpu;
                    long[] setup;
                    try {
                        Map<Long, Long> relayBefore = relayCpu();
                        through = probe(c, target);
                        relayCpu = 0;
                        for (Map.Entry<Long, Long> e : relayCpu().entrySet())
                            relayCpu += e.getValue() - relayBefore.getOrDefault(e.getKey(), 0L);
                        setup = setups(c, target);
                    } finally {
                        c.runInside(engine::close);
                    }
                    UdpProbe.Result d = direct.result(), t = through.result();
                    out.printf("round %d: UDP echo direct %.0f datagrams/s (%.0f Mbit/s, rtt avg %.0f us, loss %.1f%%), intercepted+allow %.0f datagrams/s (%.0f Mbit/s, rtt avg %.0f us, loss %.1f%%), ratio %.2f%n",
                            r, d.answeredPerSecond(), d.megabitsPerSecond(), d.avgRttNanos() / 1e3, d.lossPercent(),
                            t.answeredPerSecond(), t.megabitsPerSecond(), t.avgRttNanos() / 1e3, t.lossPercent(),
                            t.answeredPerSecond() / d.answeredPerSecond());
                    // CPU time is what a loaded machine does not distort as much as throughput: the relay's event loops
                    // (both directions), and the client's own sending and receiving, per echoed datagram
                    out.printf("round %d: CPU per echoed datagram: relay event loops %.1f us; client direct %.1f us, intercepted %.1f us; echo direct %.1f us, intercepted %.1f us; whole process direct %.1f us, intercepted %.1f us (CPU ratio %.2f)%n",
                            r, relayCpu / 1e3 / Math.max(1, t.answered()), perDatagram(direct.cpuNanos(), d),
                            perDatagram(through.cpuNanos(), t), perDatagram(direct.echoNanos(), d),
                            perDatagram(through.echoNanos(), t), perDatagram(direct.processNanos(), d),
                            perDatagram(through.processNanos(), t),
                            perDatagram(direct.processNanos(), d) / perDatagram(through.processNanos(), t));
                    out.printf("round %d: new UDP flow (first datagram + echo) direct p50 %.0f us p99 %.0f us; intercepted p50 %.0f us p99 %.0f us%n",
                            r, pct(directSetup, 50), pct(directSetup, 99), pct(setup, 50), pct(setup, 99));
                    out.flush();
                }
            }
        } finally {
            if (Files.isDirectory(ledgers)) {
                try (var st = Files.list(ledgers)) {
                    for (Path p : st.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(ledgers);
            }
        }
    }

    /**
     * A probe run and the CPU time used meanwhile: by its thread (the client), by the echo's thread and by the whole
     * process (client, echo, relay, and the JIT and GC threads {@code ThreadMXBean} does not list).
     */
    private record Probed(UdpProbe.Result result, long cpuNanos, long echoNanos, long processNanos) {}

    private static Probed probe(NetworkNamespace c, InetSocketAddress target) throws Exception {
        long echo0 = echoCpu(), process0 = PROCESS.getProcessCpuTime();
        return c.runInside(() -> {
            long t0 = THREADS.getCurrentThreadCpuTime();
            UdpProbe.Result r = UdpProbe.run(target, DATAGRAMS, SIZE, WINDOW, Duration.ofSeconds(30));
            long client = THREADS.getCurrentThreadCpuTime() - t0;
            return new Probed(r, client, echoCpu() - echo0, PROCESS.getProcessCpuTime() - process0);
        });
    }

    /** CPU time so far of the echo's thread ({@link UdpEchoServer}'s name). */
    private static long echoCpu() {
        long cpu = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds()))
            if (t != null && t.getThreadName().equals("udp-echo")) cpu += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
        return cpu;
    }

    /** CPU time so far of each live event loop thread of the flow engine (Netty's default names), by thread id. */
    private static Map<Long, Long> relayCpu() {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds()))
            if (t != null && t.getThreadName().startsWith("multiThreadIoEventLoopGroup"))
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

    private static double perDatagram(long nanos, UdpProbe.Result r) {
        return nanos / 1e3 / Math.max(1, r.answered());
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e3;
    }
}
