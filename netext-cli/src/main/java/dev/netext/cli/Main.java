package dev.netext.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/** {@code netext}: the command line. Each subcommand is one class; this one only wires them. */
@Command(name = "netext",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The Network Extension framework for Linux: packet tunnels, DNS proxies, content filters, proxies.")
public final class Main implements Runnable {
    /** The subcommands, in the order {@code netext --help} lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            UpCommand.class, WgCommand.class, DownCommand.class, MessageCommand.class, StatusCommand.class,
            ReloadCommand.class, EventsCommand.class, FlowsCommand.class, RulesCommand.class, PromptsCommand.class,
            DashboardCommand.class, CaptureCommand.class, ImportCommand.class, DaemonCommand.class,
            InstallCommand.class, UninstallCommand.class, DiagnoseCommand.class, DnsCommand.class,
            SandboxCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        keepNettyOutOfJfr(); // before the warm-up thread's first Netty class
        StartupWarmup.start(args); // beside the command line's parsing: work a long-running command needs next
        giveNettyAMachineId();
        System.exit(run(args));
    }

    /**
     * Netty 4.2's allocators emit JFR events, and the first chunk its adaptive allocator makes registers them, which
     * sets up JFR's whole event metadata (annotations read through proxies, interpreted): 50 CPU-ms on the thread of
     * the first buffer — wg up's first handshake initiation, dns serve's first query (docs/PERFORMANCE.md, "wg up's
     * first ping"). netext records none of Netty's events; an explicit {@code -Dio.netty.jfr.enabled} wins. Called
     * before any Netty class initialises (it reads the property once).
     */
    public static void keepNettyOutOfJfr() {
        if (System.getProperty(NETTY_JFR) == null) System.setProperty(NETTY_JFR, "false");
    }

    private static final String NETTY_JFR = "io.netty.jfr.enabled";

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
        return commandLine(args).execute(args);
    }

    /** The whole CLI (tests set its output streams). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The CLI for {@code args}: when they start with a subcommand's name, the root holds only that subcommand. picocli
     * builds a command's model by reflection, constructing its objects (options, mixins and what they hold), and the
     * models of all subcommands were a third of the main thread's work before a command began; {@code --help},
     * {@code help}, an unknown word or no word at all get every subcommand.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = args.length == 0 || args[0].equals("help") ? null : SUBCOMMANDS.stream()
                .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst().orElse(null);
        for (Class<?> subcommand : only == null ? SUBCOMMANDS : List.of(only)) cl.addSubcommand(subcommand);
        cl.setExpandAtFiles(false); // "@FILE" is netext message's own (--data @FILE), not picocli's argument file
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("netext: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("netext.debug")) ex.printStackTrace(commandLine.getErr());
            return ex instanceof UserError ue ? ue.exitCode() : 1;
        });
        return cl;
    }
}
