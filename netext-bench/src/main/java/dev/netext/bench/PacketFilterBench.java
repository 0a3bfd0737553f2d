package dev.netext.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netext.api.ProviderContext;
import dev.netext.api.EventSink;
import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.tunnel.StopReason;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.SteeringMatch;
import dev.netext.packetfilter.PacketFilterConfig;
import dev.netext.packetfilter.PacketFilterEngine;
import dev.netext.packetfilter.PacketFilterStats;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code netext-bench packet-filter}: iperf3 TCP between two namespaces over a veth, side by side in one run —
 * without a queue, through the queue with an allow-all provider (every packet to user space and back), and with the
 * flow cache (the provider decides each connection on its first packet; the rest stay in the kernel).
 */
final class PacketFilterBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUEUE = 21;

    private final PrintStream out;
    private final int seconds;
    private final int rounds;

    PacketFilterBench(PrintStream out, int seconds, int rounds) {
        this.out = out;
        this.seconds = seconds;
        this.rounds = rounds;
    }

    /** Allows everything; with {@code decide}, hands each tracked connection to the kernel on its first packet. */
    static final class AllowAll implements FilterPacketProvider {
        private final boolean decide;

        AllowAll(boolean decide) { this.decide = decide; }

        @Override public void startFilter(ProviderContext context, Map<String, Object> options) { }

        @Override public void stopFilter(StopReason reason) { }

        @Override
        public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
            if (decide && context.conntrackState() != ConntrackState.UNTRACKED && context.conntrackState() != ConntrackState.INVALID)
                context.markFlowDecided(PacketVerdict.ALLOW);
            return PacketVerdict.ALLOW;
        }
    }

    private record Result(double gbits, long queuedPackets, double seconds) {}

    int run() throws Exception {
        Path ledgers = Files.createTempDirectory("netext-bench-pf");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
            lab.veth(VethEnd.of("client", "c-eth", "10.9.9.1/24"), VethEnd.of("server", "s-eth", "10.9.9.2/24"));
            Process server = s.exec("iperf3", "-s", "-B", "10.9.9.2");
            Thread.sleep(500);
            out.printf("packet filter bench: iperf3 TCP client -> server over a veth, %d s per run, %d round(s)%n", seconds, rounds);
            out.printf("%-28s %12s %14s %10s%n", "path", "Gbit/s", "queue pkts/s", "vs kernel");
            try {
                for (int r = 1; r <= rounds; r++) {
                    Result base = iperf(c);
                    Result queued = withFilter(c, ledgers, false);
                    Result fast = withFilter(c, ledgers, true);
                    line("round " + r + ": kernel (no queue)", base, base);
                    line("round " + r + ": queue, allow-all", queued, base);
                    line("round " + r + ": queue + flow cache", fast, base);
                }
            } finally {
                server.destroy();
                server.waitFor();
            }
        } finally {
            TempDirs.delete(ledgers);
        }
        return 0;
    }

    private void line(String name, Result r, Result base) {
        out.printf("%-28s %12.2f %14s %9.1f%%%n", name, r.gbits,
                r.queuedPackets < 0 ? "-" : String.format("%,.0f", r.queuedPackets / r.seconds), 100 * r.gbits / base.gbits);
        out.flush();
    }

    private Result withFilter(NetworkNamespace c, Path ledgers, boolean decide) throws Exception {
        PacketFilterConfig cfg = new PacketFilterConfig("bench", QUEUE,
                List.of(new SteeringMatch(SteeringMatch.Direction.OUT, null, "tcp", null, 5201)), true, Map.of(),
                NfqConfig.DEFAULT_MAX_LENGTH, ledgers, false, null);
        PacketFilterEngine engine = c.runInside(() -> PacketFilterEngine.start(cfg, new AllowAll(decide), EventSink.discard(),
                new Iptables(List.of("ip", "netns", "exec", c.name()))));
        try {
            Result r = iperf(c);
            PacketFilterStats st = engine.stats();
            return new Result(r.gbits, st.packets(), r.seconds);
        } finally {
            engine.stop(StopReason.USER_INITIATED);
        }
    }

    private Result iperf(NetworkNamespace c) throws Exception {
        ExecResult r = c.run(Duration.ofSeconds(seconds + 20), "iperf3", "-c", "10.9.9.2", "-t", Integer.toString(seconds), "-J");
        JsonNode j = JSON.readTree(r.output());
        JsonNode bps = j.path("end").path("sum_received").path("bits_per_second");
        if (bps.isMissingNode()) throw new IllegalStateException("iperf3 failed: " + r.output());
        return new Result(bps.asDouble() / 1e9, -1, j.path("end").path("sum_received").path("seconds").asDouble(seconds));
    }
}
