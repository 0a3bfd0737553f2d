package dev.netext.cli;

import dev.netext.cli.sandbox.DnsBench;
import dev.netext.cli.sandbox.TunnelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code netext bench tunnel|packet-filter}: the measurements behind {@code bench/*.sh} (hidden: a developer tool). */
@Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmarks netext against its peer on a throwaway namespace network.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CAPABILITY", description = "tunnel | dns | packet-filter | wireguard | flows")
    String capability;

    @Option(names = "--packets", converter = OptionRange.PositiveInt.class, defaultValue = "100000") int packets;
    @Option(names = "--sizes", split = ",", converter = OptionRange.PositiveInt.class, defaultValue = "64,512,1372") List<Integer> sizes;
    @Option(names = "--window", converter = OptionRange.PositiveInt.class, defaultValue = "64") int window;
    @Option(names = "--rounds", converter = OptionRange.PositiveInt.class, defaultValue = "3") int rounds;
    @Option(names = "--connections", converter = OptionRange.PositiveInt.class, defaultValue = "500", description = "flows: connections timed for setup latency") int connections;
    @Option(names = "--names", converter = OptionRange.PositiveInt.class, defaultValue = "100000", description = "dns: cached query names") int names;
    @Option(names = "--seconds", defaultValue = "0", converter = OptionRange.NonNegativeInt.class, description = "run length per measurement (packet-filter and wireguard: iperf3, default 5; dns: dnsperf, default 10)") int seconds;
    @Option(names = "--java-opts", defaultValue = "-Xmx32m -XX:MaxDirectMemorySize=64m",
            description = "dns: JVM options for the netext under test") String javaOpts;
    @Option(names = "--jvm-opt", description = "wireguard: extra option for netext's JVMs (repeatable)") List<String> jvmOptions = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (capability.equals("packet-filter")) {
            UpCommand.Preflight.requireRootForFiltering();
            return new PacketFilterBench(System.out, seconds == 0 ? 5 : seconds, rounds).run();
        }
        if (capability.equals("flows")) {
            UpCommand.Preflight.requireRootForFiltering();
            return new FlowBench(System.out, seconds == 0 ? 5 : seconds, rounds, connections).run();
        }
        if (capability.equals("dns")) {
            UpCommand.Preflight.requireNetAdmin();
            return new DnsBench(System.out, names, seconds == 0 ? 10 : seconds, rounds, javaOpts).run();
        }
        if (capability.equals("wireguard")) {
            UpCommand.Preflight.requireNetAdmin();
            return new dev.netext.cli.sandbox.WireGuardBench(System.out, seconds == 0 ? 5 : seconds, rounds, jvmOptions).run();
        }
        if (!capability.equals("tunnel")) throw new UserError("unknown capability '" + capability + "'; known: tunnel, dns, packet-filter, wireguard, flows");
        UpCommand.Preflight.requireNetAdmin();
        return switch (capability) {
            case "tunnel" -> new TunnelBench(System.out, packets, sizes, window, rounds).run();
            case "wireguard" -> new dev.netext.cli.sandbox.WireGuardBench(System.out, seconds, rounds, jvmOptions).run();
            default -> throw new UserError("unknown capability '" + capability + "'; known: tunnel, wireguard");
        };
    }
}
