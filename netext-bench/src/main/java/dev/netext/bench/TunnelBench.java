package dev.netext.bench;

import dev.netext.cli.sandbox.Sandbox;
import dev.netext.cli.sandbox.SandboxRun;
import dev.netext.cli.sandbox.Table;
import dev.netext.lab.traffic.UdpProbe;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code bench/tunnel.sh}: UDP through the {@code pong} tunnel against the same load over the kernel's veth path to
 * a UDP echo, in one run, on the sandbox's network. Same probe, same sizes, same window; the ratio is what the TUN
 * device plus netext's user-space packet loop cost relative to a kernel-only path with an echo at the far end.
 */
public final class TunnelBench {
    private final PrintStream out;
    private final int packets;
    private final List<Integer> sizes;
    private final int window;
    private final int rounds;

    public TunnelBench(PrintStream out, int packets, List<Integer> sizes, int window, int rounds) {
        this.out = out;
        this.packets = packets;
        this.sizes = sizes;
        this.window = window;
        this.rounds = rounds;
    }

    public int run() throws Exception {
        Path dir = Files.createTempDirectory("netext-bench");
        Path tmp = SandboxRun.writeDefaultProfile(dir);
        try (Sandbox sb = Sandbox.create()) {
            sb.startNetext(tmp, dir);
            out.printf("netext tunnel bench: %d datagrams per probe, window %d, best of %d rounds, JDK %s%n",
                    packets, window, rounds, Runtime.version());
            Table t = new Table(new boolean[]{true, false, true, true, true, true, true},
                    "payload", "path", "answered", "pkt/s", "Mbit/s", "rtt avg ms", "ratio");
            // warm up the JIT on both ends before measuring
            sb.probe("10.7.0.2", 7, Math.min(packets, 20_000), 1000, window);
            sb.probe(Sandbox.INTERNET_V4, 7, Math.min(packets, 20_000), 1000, window);
            for (int size : sizes) {
                UdpProbe.Result tunnel = best(sb, "10.7.0.2", size);
                UdpProbe.Result direct = best(sb, Sandbox.INTERNET_V4, size);
                row(t, size, "netext pong tunnel (netext0)", tunnel, "%.2f×".formatted(tunnel.answeredPerSecond() / direct.answeredPerSecond()));
                row(t, size, "kernel veth + UDP echo", direct, "1.00×");
            }
            Sandbox.StopResult stop = sb.stopNetext();
            out.print(t.render("  "));
            out.println("  " + stop.stoppedLine().replaceFirst("^netext: ", ""));
            return stop.exitCode();
        } finally {
            TempDirs.delete(dir);
        }
    }

    private UdpProbe.Result best(Sandbox sb, String address, int size) throws Exception {
        UdpProbe.Result best = null;
        for (int i = 0; i < rounds; i++) {
            UdpProbe.Result r = sb.probe(address, 7, packets, size, window);
            if (best == null || r.answeredPerSecond() > best.answeredPerSecond()) best = r;
        }
        return best;
    }

    private static void row(Table t, int size, String path, UdpProbe.Result r, String ratio) {
        t.add(Integer.toString(size), path, r.answered() + "/" + r.sent(), "%,.0f".formatted(r.answeredPerSecond()),
                "%.0f".formatted(r.megabitsPerSecond()), "%.3f".formatted(r.avgRttNanos() / 1e6), ratio);
    }
}
