package dev.netext.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.security.SecureRandom;
import java.util.HexFormat;

/** {@code netext}: the command line. Each subcommand is one class; this one only wires them. */
@Command(name = "netext",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The Network Extension framework for Linux: packet tunnels, DNS proxies, content filters, proxies.",
        subcommands = {UpCommand.class, WgCommand.class, DownCommand.class, MessageCommand.class, StatusCommand.class, ReloadCommand.class, EventsCommand.class, FlowsCommand.class, RulesCommand.class, PromptsCommand.class, DashboardCommand.class, CaptureCommand.class, ImportCommand.class,
                DaemonCommand.class, InstallCommand.class, UninstallCommand.class, DiagnoseCommand.class, DnsCommand.class,
                SandboxCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        giveNettyAMachineId();
        System.exit(run(args));
    }

    /**
     * Netty names every channel with a machine id it takes from a network interface's MAC address (DefaultChannelId);
     * where no interface has one — a namespace with only loopback, a container — it logs a MacAddressUtil warning
     * and uses random bytes. The id only makes channel names unique, so netext gives it random bytes up front: no
     * lookup, no false warning. An explicit {@code -Dio.netty.machineId} wins.
     */
    static void giveNettyAMachineId() {
        if (System.getProperty(NETTY_MACHINE_ID) != null) return;
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        System.setProperty(NETTY_MACHINE_ID, HexFormat.ofDelimiter(":").formatHex(id));
    }

    private static final String NETTY_MACHINE_ID = "io.netty.machineId";

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The CLI as {@link #run} executes it (tests set its output streams). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExpandAtFiles(false); // "@FILE" is netext message's own (--data @FILE), not picocli's argument file
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("netext: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("netext.debug")) ex.printStackTrace(commandLine.getErr());
            return ex instanceof UserError ue ? ue.exitCode() : 1;
        });
        return cl;
    }
}
