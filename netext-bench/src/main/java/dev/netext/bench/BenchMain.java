package dev.netext.bench;

import dev.netext.cli.UpCommand.Preflight;
import dev.netext.cli.OptionRange;
import dev.netext.cli.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code netext-bench tunnel|dns|packet-filter|wireguard|flows}: the measurements behind {@code bench/*.sh}, each
 * running netext and its peer side by side. A module of its own so that no benchmark ships in the {@code netext}
 * binary; the netext processes it starts run from this JVM's class path.
 */
@Command(name = "netext-bench", mixinStandardHelpOptions = true,
        description = "Benchmarks netext against its peer on a throwaway namespace network.")
public final class BenchMain implements Callable<Integer> {
    @Parameters(paramLabel = "CAPABILITY", description = "tunnel | dns | packet-filter | wireguard | flows")
    String capability;

    @Option(names = "--packets", converter = OptionRange.PositiveInt.class, defaultValue = "100000") int packets;
    @Option(names = "--sizes", split = ",", converter = OptionRange.PositiveInt.class, defaultValue = "64,512,1372") List<Integer> sizes;
    @Option(names = "--window", converter = OptionRange.PositiveInt.class, defaultValue = "64") int window;
    @Option(names = "--rounds", converter = OptionRange.PositiveInt.class, defaultValue = "3") int rounds;
    @Option(names = "--connections", converter = OptionRange.PositiveInt.class, defaultValue = "500", description = "flows: connections timed for setup latency") int connections;
    @Option(names = "--names", converter = OptionRange.PositiveInt.class, defaultValue = "100000", description = "dns: cached query names") int names;
    @Option(names = "--blocklist-names", converter = OptionRange.NonNegativeInt.class, defaultValue = "0",
            description = "dns: instead of the comparison, the cached rate with and without a block list of this many names, and each server's RSS with it") int blocklistNames;
    @Option(names = "--seconds", defaultValue = "0", converter = OptionRange.NonNegativeInt.class, description = "run length per measurement (packet-filter, flows and wireguard: iperf3, default 5; dns: dnsperf, default 10)") int seconds;
    @Option(names = "--java-opts", defaultValue = "-Xmx32m -XX:MaxDirectMemorySize=64m",
            description = "dns: JVM options for the netext under test; NAME=value words are its environment (MALLOC_ARENA_MAX=2)") String javaOpts;
    @Option(names = "--jvm-opt", description = "wireguard: extra option for netext's JVMs, after the launcher's own (repeatable)") List<String> jvmOptions = new ArrayList<>();
    @Option(names = "--plain-jvm", description = "wireguard: netext's JVMs on this JVM's class path with the JVM's defaults (no role options, no AOT cache) instead of bin/netext") boolean plainJvm;
    @Option(names = "--veth-gro", description = "wireguard, flows (UDP part): GRO on the veth ends (as a NIC has it: UDP datagrams from a peer without GSO reach netext's UDP_GRO socket as trains)") boolean vethGro;
    @Option(names = "--udp-relay", defaultValue = "both", description = "flows (UDP part): the terminated path's relay reads GRO trains (gro), Netty's recvmmsg batches (batches, the relay before trains) or both in turns (both)") String udpRelay;
    @Option(names = "--udp-datagrams", converter = OptionRange.PositiveInt.class, defaultValue = "20000", description = "flows (UDP part): datagrams per probe") int udpDatagrams;
    @Option(names = "--udp-gso-echo", description = "flows (UDP part): the echo reads with GRO and answers in GSO trains, as a QUIC server with GSO does") boolean udpGsoEcho;
    @Option(names = "--udp-gso-client", description = "flows (UDP part): the client sends its window as UDP GSO trains, as QUIC stacks do") boolean udpGsoClient;
    @Option(names = "--cases", split = ",", description = "wireguard: only these cases (veth, go-go, nx-go, go-nx, nx-nx; default all); flows: udp for the UDP part alone, gateway for forwarded TCP alone (direct, fast path, terminated), setup for the fast path's setup alone (variants interleaved)") List<String> cases = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return switch (capability) {
            case "tunnel" -> {
                Preflight.requireNetAdmin();
                yield new TunnelBench(System.out, packets, sizes, window, rounds).run();
            }
            case "dns" -> {
                Preflight.requireNetAdmin();
                yield blocklistNames > 0
                        ? new DnsBlockListBench(System.out, names, blocklistNames, seconds == 0 ? 10 : seconds, rounds, javaOpts).run()
                        : new DnsBench(System.out, names, seconds == 0 ? 10 : seconds, rounds, javaOpts).run();
            }
            case "packet-filter" -> {
                Preflight.requireRootForFiltering();
                yield new PacketFilterBench(System.out, seconds == 0 ? 5 : seconds, rounds).run();
            }
            case "wireguard" -> {
                Preflight.requireNetAdmin();
                yield new WireGuardBench(System.out, seconds == 0 ? 5 : seconds, rounds, jvmOptions, cases, vethGro,
                        plainJvm ? null : java.nio.file.Path.of("bin/netext").toAbsolutePath()).run();
            }
            case "flows" -> {
                Preflight.requireRootForFiltering();
                if (cases.equals(List.of("udp"))) {
                    new UdpFlowBench(System.out, rounds, udpDatagrams, udpGsoClient, udpGsoEcho, vethGro, switch (udpRelay) {
                        case "gro" -> List.of(true);
                        case "batches" -> List.of(false);
                        case "both" -> List.of(true, false);
                        default -> throw new UserError("--udp-relay: gro, batches or both, not '" + udpRelay + "'");
                    }).run();
                    yield 0;
                }
                if (cases.equals(List.of("gateway")))
                    yield new GatewayFlowBench(System.out, seconds == 0 ? 5 : seconds, rounds).run();
                if (cases.equals(List.of("setup"))) yield new FlowSetupBench(System.out, rounds, connections).run();
                yield new FlowBench(System.out, seconds == 0 ? 5 : seconds, rounds, connections).run();
            }
            default -> throw new UserError("unknown capability '" + capability + "'; known: tunnel, dns, packet-filter, wireguard, flows");
        };
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one benchmark and returns its exit code (tests call this instead of {@link #main}). */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("netext-bench: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("netext.debug")) ex.printStackTrace(commandLine.getErr());
            return ex instanceof UserError ue ? ue.exitCode() : 1;
        });
        return cl.execute(args);
    }
}
