package dev.netext.cli;

import dev.netext.linux.sys.HostPackages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code systemctl}, only for installs on the real root of a host where systemd is running. */
final class Systemctl {
    private Systemctl() {}

    static boolean manages(Path root) {
        return root.toAbsolutePath().normalize().equals(Path.of("/")) && Files.isDirectory(Path.of("/run/systemd/system"));
    }

    static void run(String... args) throws Exception {
        int rc = exec(args);
        if (rc != 0) throw new UserError("systemctl " + String.join(" ", args) + " failed (exit " + rc + ")", 1);
    }

    static void runAllowingFailure(String... args) throws Exception {
        exec(args);
    }

    private static int exec(String... args) throws Exception {
        HostPackages.require("systemctl");
        List<String> cmd = new ArrayList<>(List.of("systemctl"));
        cmd.addAll(List.of(args));
        System.out.println("netext: " + String.join(" ", cmd));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
