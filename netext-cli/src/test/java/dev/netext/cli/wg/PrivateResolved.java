package dev.netext.cli.wg;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real systemd-resolved serving one lab namespace, on a D-Bus system bus of its own: {@code dbus-daemon} with a
 * bus config listening on a socket in a temp directory, and resolved, both inside {@code unshare -m} so that what
 * they write ({@code /run/systemd/resolve}, tmpfs here) and the {@code systemd-resolve} user resolved drops to (an
 * {@code /etc/passwd} copy bind-mounted) never reach the host. Clients find the bus through
 * {@code DBUS_SYSTEM_BUS_ADDRESS}.
 *
 * <p>The binary: {@code /lib/systemd/systemd-resolved} when Debian's package is installed — which this machine must
 * not do, its postinst turns the host's {@code /etc/resolv.conf} into a link to resolved's stub and starts the
 * service — else the file {@code NETEXT_TEST_SYSTEMD_RESOLVED} names, from the package unpacked without installing
 * ({@code apt-get download systemd-resolved; dpkg-deb -x systemd-resolved_*.deb DIR}). Without either the test is
 * aborted with that recipe: it is the one peer the build cannot install for it.
 */
final class PrivateResolved implements AutoCloseable {
    private static final String INSTALLED = "/lib/systemd/systemd-resolved";
    private static final String ENV = "NETEXT_TEST_SYSTEMD_RESOLVED";

    final NetworkNamespace ns;
    private final Path dir;
    final Path bus;
    private final Process process;
    private final Path resolvectl;

    private PrivateResolved(NetworkNamespace ns, Path dir, Path bus, Process process, Path resolvectl) {
        this.ns = ns;
        this.dir = dir;
        this.bus = bus;
        this.process = process;
        this.resolvectl = resolvectl;
    }

    static Path binary() throws IOException {
        HostPackages.require("dbus-daemon", "busctl", "unshare");
        if (Files.isExecutable(Path.of(INSTALLED))) return Path.of(INSTALLED);
        String env = System.getenv(ENV);
        Assumptions.assumeTrue(env != null && Files.isExecutable(Path.of(env)), "systemd-resolved is not installed, and "
                + "installing Debian's package would take over this host's /etc/resolv.conf; unpack it instead: "
                + "apt-get download systemd-resolved && dpkg-deb -x systemd-resolved_*.deb DIR, then " + ENV
                + "=DIR/lib/systemd/systemd-resolved");
        return Path.of(env);
    }

    /**
     * Starts the bus and resolved in {@code ns} and waits until resolved owns its name. Their files go into a
     * directory of their own under /tmp that every user may enter: resolved connects to the bus after dropping to
     * its user, which a test's private temp directory would shut out.
     */
    static PrivateResolved start(NetworkNamespace ns) throws Exception {
        Path binary = binary();
        Path dir = Files.createTempDirectory("netext-resolved-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        // resolvectl: the installed one, or the one unpacked beside the binary (DIR/usr/bin/resolvectl)
        Path resolvectl = binary.toString().equals(INSTALLED) ? Path.of("/usr/bin/resolvectl")
                : binary.getParent().getParent().getParent().resolve("usr/bin/resolvectl");
        Path bus = dir.resolve("system_bus_socket");
        Files.writeString(dir.resolve("bus.conf"), """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>system</type>
                  <listen>unix:path=%s</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow user="*"/>
                    <allow own="*"/>
                    <allow send_destination="*"/>
                    <allow receive_sender="*"/>
                  </policy>
                </busconfig>
                """.formatted(bus));
        Files.writeString(dir.resolve("passwd"), Files.readString(Path.of("/etc/passwd"))
                + "systemd-resolve:x:64990:64990:systemd Resolver:/:/usr/sbin/nologin\n");
        Files.writeString(dir.resolve("group"), Files.readString(Path.of("/etc/group")) + "systemd-resolve:x:64990:\n");
        String script = """
                set -e
                mount --bind %1$s/passwd /etc/passwd
                mount --bind %1$s/group /etc/group
                mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd
                dbus-daemon --config-file=%1$s/bus.conf --nofork &
                echo $! > %1$s/dbus.pid
                for i in $(seq 50); do [ -S %2$s ] && break; sleep 0.1; done
                export DBUS_SYSTEM_BUS_ADDRESS=unix:path=%2$s
                exec %3$s
                """.formatted(dir, bus, binary);
        Process p = ns.command("unshare", "-m", "--propagation", "private", "sh", "-c", script).redirectErrorStream(true).start();
        PrivateResolved r = new PrivateResolved(ns, dir, bus, p, resolvectl);
        try {
            for (int i = 0; i < 100; i++) {
                if (!p.isAlive()) throw new IllegalStateException("systemd-resolved exited: " + new String(p.getInputStream().readAllBytes()));
                if (r.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "GetConnectionUnixProcessID", "s", "org.freedesktop.resolve1").ok()) return r;
                Thread.sleep(100);
            }
            throw new IllegalStateException("systemd-resolved did not take its bus name");
        } catch (Exception e) {
            r.close();
            throw e;
        }
    }

    /** What a client of this bus needs in its environment. */
    Map<String, String> environment() { return Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + bus); }

    ExecResult busctl(String... args) throws IOException { return withBus("busctl", List.of(args)); }

    ExecResult resolvectl(String... args) throws IOException { return withBus(resolvectl.toString(), List.of(args)); }

    private ExecResult withBus(String program, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + bus, program));
        if (program.equals("busctl")) cmd.add("--system");
        cmd.addAll(args);
        return ns.run(Duration.ofSeconds(10), cmd.toArray(String[]::new));
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        try {
            // the bus outlives a resolved that exited on its own (then no longer its parent)
            ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("dbus.pid")).strip())).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // never started
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
