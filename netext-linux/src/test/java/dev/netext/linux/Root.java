package dev.netext.linux;

import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.sys.MissingProgramException;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Preconditions of the integration tests: they run as root, and are skipped with a reason otherwise (CI runs as root).
 * A missing program is no reason to skip: it fails the test, naming its package.
 */
public final class Root {
    private Root() {}

    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Skips the calling test class unless running as root; fails it when the {@code ip} tool is missing (namespaces, veths). */
    public static void assumeRoot() {
        Assumptions.assumeTrue(isRoot(), "integration test skipped: needs root (network namespaces, TUN)");
        try {
            HostPackages.require("ip");
        } catch (MissingProgramException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** {@link #assumeRoot()} plus a usable {@code /dev/net/tun}. */
    public static void assumeRootWithTun() {
        assumeRoot();
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "TUN test skipped: no /dev/net/tun (tun module not loaded?)");
    }
}
