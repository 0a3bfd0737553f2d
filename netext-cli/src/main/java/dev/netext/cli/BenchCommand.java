package dev.netext.cli;

import dev.netext.cli.sandbox.TunnelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code netext bench tunnel}: the measurement behind {@code bench/tunnel.sh} (hidden: a developer tool). */
@Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmarks netext against its peer on a throwaway namespace network.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CAPABILITY", description = "tunnel, wireguard")
    String capability;

    @Option(names = "--packets", defaultValue = "100000") int packets;
    @Option(names = "--sizes", split = ",", defaultValue = "64,512,1372") List<Integer> sizes;
    @Option(names = "--window", defaultValue = "64") int window;
    @Option(names = "--rounds", defaultValue = "3") int rounds;
    @Option(names = "--seconds", defaultValue = "5", description = "wireguard: iperf3 duration per round") int seconds;
    @Option(names = "--jvm-opt", description = "wireguard: extra option for netext's JVMs (repeatable)") List<String> jvmOptions = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        UpCommand.Preflight.requireNetAdmin();
        return switch (capability) {
            case "tunnel" -> new TunnelBench(System.out, packets, sizes, window, rounds).run();
            case "wireguard" -> new dev.netext.cli.sandbox.WireGuardBench(System.out, seconds, rounds, jvmOptions).run();
            default -> throw new UserError("unknown capability '" + capability + "'; known: tunnel, wireguard");
        };
    }
}
