package dev.netext.cli;

import dev.netext.daemon.install.Installer;
import dev.netext.daemon.install.SystemGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code netext install}: the systemd unit, {@code /etc/netext/} and the control group {@code netext}, no questions asked. On the real root with systemd
 * running, it also enables and starts the service (unless {@code --no-start}); with {@code --root} it only writes
 * files.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install netextd as a systemd service: the unit, /etc/netext/profiles.d and /etc/netext/plugins, and the "
                + "system group netext, whose members may run status, up, down, events, flows and dns log without sudo. "
                + "Non-interactive; profiles can then be pushed as files.")
public final class InstallCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", description = "Install under DIR instead of / (for images and tests; systemctl is not run).")
    Path root = Path.of("/");

    @Option(names = "--exec", paramLabel = "PATH", description = "The netext launcher the unit runs (default: the one that started this command: bin/netext, or /usr/bin/netext when installed as a package).")
    Path launcher;

    @Option(names = "--no-start", description = "Do not enable and start the service (real root only).")
    boolean noStart;

    @Override
    public Integer call() throws Exception {
        Path exec = launcher != null ? launcher.toAbsolutePath() : defaultLauncher();
        Installer.Result r = new Installer(root).install(exec);
        r.actions().forEach(a -> System.out.println("netext: " + a));
        // before the service starts: the daemon gives its control socket to the group only if it exists then
        System.out.println("netext: " + SystemGroup.control(root).ensure());
        if (Systemctl.manages(root)) {
            Systemctl.run("daemon-reload");
            if (!noStart) Systemctl.run("enable", "--now", Installer.UNIT_NAME);
        }
        System.out.println("netext: profiles go in " + Path.of("/etc/netext/profiles.d") + "; apply changes with 'netext reload'");
        return 0;
    }

    /** The launcher script that started this JVM (bin/lib/launch.sh passes its path as {@code netext.launcher}). */
    private static Path defaultLauncher() {
        String launcher = System.getProperty("netext.launcher");
        if (launcher == null) throw new UserError("cannot tell which netext launcher started this (not bin/netext or /usr/bin/netext); give --exec PATH");
        Path p = Path.of(launcher).toAbsolutePath().normalize();
        if (!Files.isExecutable(p)) throw new UserError(p + " is not executable; give --exec PATH");
        return p;
    }
}
