package dev.netext.bench;

import dev.netext.api.EventSink;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.engine.SetupStages;
import dev.netext.flow.engine.SetupStages.Stage;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code netext-bench flows --cases setup}: the fast path's added connect-to-first-byte time only, the engine's
 * variants ({@link #VARIANTS}) interleaved in one run (each round: direct, then every variant with and without process
 * rules), with the CPU per connection and, when {@code -Dnetext.flow.setupStages=true}, the median of each stage
 * ({@link SetupStages}). Same topology and client as {@link FlowBench}.
 */
final class FlowSetupBench {
    /**
     * A configuration of the engine, by name: the engine's own A/B switches are system properties read when it
     * starts ({@code netext.flow.queueThread}: the verdict queue's reader on a thread of its own, each packet handed to
     * its flow's loop; {@code netext.attribution.processCache=false}: every process read whole;
     * {@code netext.flow.attributeOnLoop=false}: attribution on the decision pool only — all as before 2026-12-07).
     */
    record Variant(String name, Map<String, String> properties) {}

    static final List<Variant> ALL_VARIANTS = List.of(
            new Variant("before", Map.of("netext.flow.queueThread", "true", "netext.attribution.processCache", "false")),
            new Variant("loop+cache", Map.of("netext.flow.attributeOnLoop", "false")),
            new Variant("after", Map.of()),
            new Variant("floor", Map.of())); // not the engine: QueueFloor, the rules and queue alone

    /** {@code -Dnetext.bench.setupVariants=after,…}: only these (a profile of one variant's steady state, say). */
    static final List<Variant> VARIANTS = chosen(System.getProperty("netext.bench.setupVariants", ""));

    static List<Variant> chosen(String names) {
        if (names.isBlank()) return ALL_VARIANTS;
        List<String> wanted = List.of(names.split(","));
        List<Variant> out = ALL_VARIANTS.stream().filter(v -> wanted.contains(v.name())).toList();
        if (out.size() != wanted.size())
            throw new IllegalArgumentException("netext.bench.setupVariants: " + names + "; known: "
                    + ALL_VARIANTS.stream().map(Variant::name).toList());
        return out;
    }

    private final PrintStream out;
    private final int rounds, connections;

    FlowSetupBench(PrintStream out, int rounds, int connections) {
        this.out = out;
        this.rounds = rounds;
        this.connections = connections;
    }

    int run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-setup");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-eth", "10.9.8.1/24"), VethEnd.of("server", "s-eth", "10.9.8.2/24"));
            FlowBench.Echo echo = FlowBench.Echo.start(s, "10.9.8.2", 7007);
            out.printf("flows setup bench: %d connections per measurement, %d round(s), variants %s; stages %s%n",
                    connections, rounds, VARIANTS.stream().map(Variant::name).toList(),
                    SetupStages.ON ? "on" : "off (-Dnetext.flow.setupStages=true)");
            FlowEngineConfig base = FlowEngineConfig.defaults("bench", InterceptionConfig.Scope.ALL).withLedgerDir(ledgers);
            try {
                for (int r = 1; r <= rounds; r++) {
                    FlowBench.Setups direct = FlowBench.latencies(c, connections);
                    double d50 = FlowBench.pct(direct.nanos(), 50);
                    out.printf("round %d: direct p50 %.0f us (connect %.0f us), p99 %.0f us, CPU %.0f us/flow (load %s)%n", r,
                            d50, FlowBench.pct(direct.connectNanos(), 50), FlowBench.pct(direct.nanos(), 99),
                            direct.cpuMicrosPerFlow(), load());
                    out.println("    CPU by thread, us per connection: " + direct.topThreads(7));
                    for (Variant v : VARIANTS) {
                        if (v.name().equals("floor")) {
                            measureFloor(r, c, ledgers, d50);
                            continue;
                        }
                        measure(r, c, v, "process rules", base, FlowBench::filter, d50);
                        measure(r, c, v, "no process rules", base, FlowBench::filterWithoutProcess, d50);
                    }
                    out.flush();
                }
            } finally {
                echo.stop();
            }
        } finally {
            TempDirs.delete(ledgers);
        }
        return 0;
    }

    private void measure(int r, NetworkNamespace c, Variant v, String filterName, FlowEngineConfig base,
                         Supplier<FilterDataProvider> filter, double direct50) throws Exception {
        v.properties().forEach(System::setProperty);
        FlowEngine engine;
        try {
            engine = c.runInside(() -> FlowEngine.start(base, filter.get(), List.of(), Map.of(),
                    EventSink.discard(), new AtomicLong(), null, new AtomicLong()::incrementAndGet));
        } finally {
            v.properties().keySet().forEach(System::clearProperty);
        }
        FlowBench.Setups s;
        try {
            FlowBench.latencies(c, Math.max(50, connections / 5)); // warm-up, its stages dropped
            SetupStages.drain();
            s = FlowBench.latencies(c, connections);
        } finally {
            c.runInside(engine::close);
        }
        double p50 = FlowBench.pct(s.nanos(), 50);
        out.printf("round %d: %-10s %-16s p50 %.0f us (added %.0f us; connect %.0f us), p99 %.0f us, CPU %.0f us/flow, JIT %d ms%n",
                r, v.name(), filterName, p50, p50 - direct50, FlowBench.pct(s.connectNanos(), 50),
                FlowBench.pct(s.nanos(), 99), s.cpuMicrosPerFlow(), s.jitMillis());
        out.println("    CPU by thread, us per connection: " + s.topThreads(7));
        long[][] stages = SetupStages.drain();
        if (stages.length == 0) return;
        StringBuilder b = new StringBuilder("    stages p50 (us, from the SYN received; ").append(stages.length).append(" flows):");
        for (Stage st : Stage.values())
            if (st != Stage.SYN_RECEIVED)
                b.append(String.format(" %s %.0f;", st.name().toLowerCase(), SetupStages.p50Micros(stages, Stage.SYN_RECEIVED, st)));
        b.append(String.format(" | data received→released %.0f, on loop→decided %.0f, decided→released %.0f",
                SetupStages.p50Micros(stages, Stage.DATA_RECEIVED, Stage.DATA_RELEASED),
                SetupStages.p50Micros(stages, Stage.DATA_ON_LOOP, Stage.DECIDED),
                SetupStages.p50Micros(stages, Stage.DECIDED, Stage.DATA_RELEASED)));
        int early = 0;
        for (long[] f : stages) if (f[Stage.ATTRIBUTED.ordinal()] <= f[Stage.DATA_ON_LOOP.ordinal()]) early++;
        b.append(String.format(", attributed→released %.0f; attributed before the data in %d%%",
                SetupStages.p50Micros(stages, Stage.ATTRIBUTED, Stage.DATA_RELEASED), 100 * early / stages.length));
        out.println(b);
    }

    /** The rules and the queue with no flow layer behind them ({@link QueueFloor}). */
    private void measureFloor(int r, NetworkNamespace c, Path ledgers, double direct50) throws Exception {
        QueueFloor floor = c.runInside(() -> new QueueFloor(ledgers));
        FlowBench.Setups s;
        try {
            FlowBench.latencies(c, Math.max(50, connections / 5));
            s = FlowBench.latencies(c, connections);
        } finally {
            c.runInside(() -> {
                floor.close();
                return null;
            });
        }
        double p50 = FlowBench.pct(s.nanos(), 50);
        out.printf("round %d: %-10s %-16s p50 %.0f us (added %.0f us; connect %.0f us), p99 %.0f us, CPU %.0f us/flow, JIT %d ms; %s%n",
                r, "floor", "queue alone", p50, p50 - direct50, FlowBench.pct(s.connectNanos(), 50),
                FlowBench.pct(s.nanos(), 99), s.cpuMicrosPerFlow(), s.jitMillis(), floor.answered());
        out.println("    CPU by thread, us per connection: " + s.topThreads(7));
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
