package dev.netext.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code netext}: the command line. Each subcommand is one class; this one only wires them. */
@Command(name = "netext",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The Network Extension framework for Linux: packet tunnels, DNS proxies, content filters, proxies.",
        subcommands = {UpCommand.class, WgCommand.class, DownCommand.class, StatusCommand.class, ReloadCommand.class, EventsCommand.class, FlowsCommand.class, DashboardCommand.class, CaptureCommand.class, ImportCommand.class,
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
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("netext: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("netext.debug")) ex.printStackTrace(commandLine.getErr());
            return ex instanceof UserError ue ? ue.exitCode() : 1;
        });
        return cl.execute(args);
    }
}
