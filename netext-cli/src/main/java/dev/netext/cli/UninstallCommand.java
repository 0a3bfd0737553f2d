package dev.netext.cli;

import dev.netext.daemon.install.Installer;
import dev.netext.daemon.install.SystemGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code netext uninstall}: stops the service (real root), removes the unit and {@code /etc/netext/}. */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = "Remove what 'netext install' set up. Profiles and plugins you added are kept unless --purge; "
                + "the group netext is kept (as Debian packages keep system groups): groupdel netext removes it.")
public final class UninstallCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", description = "Uninstall from under DIR instead of / (systemctl is not run).")
    Path root = Path.of("/");

    @Option(names = "--purge", description = "Also delete profiles and plugins in /etc/netext.")
    boolean purge;

    @Override
    public Integer call() throws Exception {
        boolean systemd = Systemctl.manages(root);
        if (systemd) Systemctl.runAllowingFailure("disable", "--now", Installer.UNIT_NAME);
        Installer.Result r = new Installer(root).uninstall(purge);
        r.actions().forEach(a -> System.out.println("netext: " + a));
        SystemGroup group = SystemGroup.control(root);
        if (group.exists()) System.out.println("netext: " + group.keptNote());
        if (systemd) Systemctl.run("daemon-reload");
        return 0;
    }
}
