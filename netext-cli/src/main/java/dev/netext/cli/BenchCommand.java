package dev.netext.cli;

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
    @Parameters(paramLabel = "CAPABILITY", description = "tunnel or packet-filter")
    String capability;

    @Option(names = "--packets", defaultValue = "100000") int packets;
    @Option(names = "--sizes", split = ",", defaultValue = "64,512,1372") List<Integer> sizes;
    @Option(names = "--window", defaultValue = "64") int window;
    @Option(names = "--rounds", defaultValue = "3") int rounds;
    @Option(names = "--seconds", defaultValue = "5", description = "iperf3 duration per run (packet-filter)") int seconds;

    @Override
    public Integer call() throws Exception {
        if (capability.equals("packet-filter")) {
            UpCommand.Preflight.requireRootForFiltering();
            return new PacketFilterBench(System.out, seconds, rounds).run();
        }
        if (!capability.equals("tunnel")) throw new UserError("unknown capability '" + capability + "'; known: tunnel, packet-filter");
        UpCommand.Preflight.requireNetAdmin();
        return new TunnelBench(System.out, packets, sizes, window, rounds).run();
    }
}
