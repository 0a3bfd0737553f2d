package dev.netext.cli;

import dev.netext.cli.sandbox.SandboxRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code netext sandbox}: netext's main job on an embedded default, on a throwaway network of namespaces that is
 * removed on exit. Never touches the host's own networking.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Build a throwaway network of namespaces, run netext in it with a built-in profile, send real "
                + "traffic, print what happened, and remove it all.",
                "Needs root (it creates network namespaces); the host's own networking is never touched."})
public final class SandboxCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "Keep the sandbox running after the traffic, until Ctrl-C.")
    boolean keep;

    @Option(names = "--profile", paramLabel = "FILE", description = "Run this profile instead of the built-in one.")
    Path profile;

    @Option(names = "--udp-packets", paramLabel = "N", defaultValue = "20000", converter = OptionRange.PositiveInt.class,
            description = "UDP datagrams per probe (default: ${DEFAULT-VALUE}).")
    int udpPackets;

    @Override
    public Integer call() throws Exception {
        UpCommand.Preflight.requireNetAdmin();
        return new SandboxRun(System.out, profile, udpPackets, keep).run();
    }
}
