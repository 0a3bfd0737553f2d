package dev.netext.linux;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Preconditions of the integration tests: they run as root, and are skipped with a reason otherwise. */
public final class Root {
    private Root() {}

    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Skips the calling test class unless running as root with the {@code ip} tool (namespaces, veths). */
    public static void assumeRoot() {
        Assumptions.assumeTrue(isRoot(), "integration test skipped: needs root (network namespaces, TUN)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip")), "integration test skipped: no 'ip' command (iproute2)");
    }

    /** {@link #assumeRoot()} plus a usable {@code /dev/net/tun}. */
    public static void assumeRootWithTun() {
        assumeRoot();
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "TUN test skipped: no /dev/net/tun (tun module not loaded?)");
    }
}
