package dev.netext.cli.wg;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.ProcessRunner;
import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * service — else the package of the host's systemd version (resolved's own libraries are systemd's) downloaded and
 * unpacked by {@link UnpackedDebianPackage}, never installed. When neither can be had the test fails saying what to do.
 */
final class PrivateResolved implements AutoCloseable {
    /** The root of an installed systemd-resolved: its daemon and resolvectl at the paths below it. */
    private static final Path INSTALLED = Path.of("/");
    private static final String DAEMON = "lib/systemd/systemd-resolved";
    private static final String RESOLVECTL = "usr/bin/resolvectl";

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

    /**
     * Where systemd-resolved's files are (the daemon at {@link #DAEMON} below it): {@code /} when installed, else the
     * package unpacked, at the version of the host's systemd and checked to find every library it links.
     */
    static Path root() throws IOException {
        HostPackages.require("dbus-daemon", "busctl", "unshare", "dpkg-query");
        if (Files.isExecutable(INSTALLED.resolve(DAEMON))) return INSTALLED;
        String version = ProcessRunner.run(List.of("dpkg-query", "-W", "-f=${Version}", "systemd"), Duration.ofSeconds(10))
                .orThrow().output().strip();
        Path root = UnpackedDebianPackage.unpacked("systemd-resolved", version);
        ExecResult libraries = ProcessRunner.run(List.of("ldd", root.resolve(DAEMON).toString()), Duration.ofSeconds(10)).orThrow();
        if (libraries.output().contains("not found")) {
            throw new IOException(root.resolve(DAEMON) + " needs libraries this host lacks ("
                    + libraries.output().lines().filter(l -> l.contains("not found")).map(String::strip).toList()
                    + "); as root: apt-get install libsystemd-shared=" + version);
        }
        return root;
    }

    /**
     * Starts the bus and resolved in {@code ns} and waits until resolved owns its name. Their files go into a
     * directory of their own under /tmp that every user may enter: resolved connects to the bus after dropping to
     * its user, which a test's private temp directory would shut out.
     */
    static PrivateResolved start(NetworkNamespace ns) throws Exception {
        Path root = root();
        Path dir = Files.createTempDirectory("netext-resolved-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
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
                """.formatted(dir, bus, root.resolve(DAEMON));
        Process p = ns.command("unshare", "-m", "--propagation", "private", "sh", "-c", script).redirectErrorStream(true).start();
        PrivateResolved r = new PrivateResolved(ns, dir, bus, p, root.resolve(RESOLVECTL));
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
