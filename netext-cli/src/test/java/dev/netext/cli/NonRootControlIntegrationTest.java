package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §6, non-root control: a daemon in a namespace with a control group of the test's own ({@code --control-group},
 * so the host's {@code netext} group is never touched), users created for the test, and the real CLI run as each of them
 * ({@code setpriv … --init-groups}: the kernel's groups come from {@code /etc/group} as at a login). Members run status,
 * down, up, events, flows and dns log; reload, dashboard and capture need root; a non-member is refused for
 * everything, by the socket file's mode and, for a process that still carries the group after leaving it, by the
 * daemon's own check; root still does everything. Users and groups are removed in {@code finally}.
 */
class NonRootControlIntegrationTest {
    private static final Duration CONNECT = Duration.ofSeconds(20);
    private static final Duration CLI = Duration.ofSeconds(60);
    private static final int DENIED = ControlOption.PERMISSION_DENIED;

    @TempDir
    Path dir;

    @NetnsTest
    void membersOfTheControlGroupRunTheirCommandsOthersAreRefusedRootRunsEverything(NetnsLab lab) throws Exception {
        HostPackages.require("setpriv", "useradd", "userdel", "groupadd", "groupdel");
        NetworkNamespace ns = lab.namespace("ctlgrp");
        String id = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 100_000));
        String group = "nxg" + id, member = "nxm" + id, primary = "nxp" + id, stranger = "nxs" + id;
        try (Accounts accounts = new Accounts(); ReadableClassPath cp = new ReadableClassPath()) {
            accounts.group(group);
            accounts.user(member, "-U", "-G", group);   // a member by /etc/group's list (supplementary)
            accounts.user(primary, "-N", "-g", group);  // a member by its primary group
            accounts.user(stranger, "-U");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // others may reach the socket
            try (DaemonUnderTest d = new DaemonUnderTest(ns, dir, "--control-group", group)) {
                d.profile("ctl.yaml", """
                        name: ctl
                        tunnel:
                          provider: pong
                          interface: nxctl0
                          settings:
                            addresses: [10.7.20.1/24]
                            routes: []
                        """);
                assertThat(d.cli("reload").output()).contains("started ctl");
                d.awaitComponent("ctl", NonRootControlIntegrationTest::connected, CONNECT);
                PosixFileAttributes socket = Files.readAttributes(d.socket, PosixFileAttributes.class);
                assertThat(socket.group().getName()).isEqualTo(group);
                assertThat(PosixFilePermissions.toString(socket.permissions())).isEqualTo("rw-rw----");
                Cli cli = new Cli(ns, cp.classPath(), d.socket);

                // a member: status (the dashboard's address, never its token), down, up, events, flows, dns log
                ExecResult status = cli.as(member, member, "status");
                assertThat(status.exitCode()).as(status.output()).isZero();
                assertThat(status.output()).contains("ctl: active").contains("tunnel pong: connected").doesNotContain("token=");
                JsonNode json = ControlClient.mapper().readTree(cli.as(member, member, "status", "--json").output());
                assertThat(json.path("daemon").path("dashboard").asText()).startsWith("http://127.0.0.1:").doesNotContain("#");
                assertThat(json.path("daemon").has("dashboard_token_file")).isFalse();

                ExecResult down = cli.as(member, member, "down", "ctl");
                assertThat(down.exitCode()).as(down.output()).isZero();
                assertThat(d.profileStatus("ctl").path("active").asBoolean()).isFalse();
                assertThat(ns.run("ip", "link", "show", "nxctl0").exitCode()).as("the tunnel is gone").isNotZero();
                ExecResult up = cli.as(member, member, "up", "ctl");
                assertThat(up.exitCode()).as(up.output()).isZero();
                d.awaitComponent("ctl", NonRootControlIntegrationTest::connected, CONNECT);
                ExecResult ping = ns.run(Duration.ofSeconds(20), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.20.2");
                assertThat(ping.exitCode()).as("answered through the tunnel the member started: " + ping.output()).isZero();

                ExecResult events = cli.as(member, member, "events");
                assertThat(events.exitCode()).as(events.output()).isZero();
                assertThat(events.output()).contains("\"type\":\"StatusChanged\"").contains("\"provider\":\"ctl\"");
                for (String[] args : List.of(new String[]{"flows"}, new String[]{"dns", "log"})) {
                    ExecResult r = cli.as(member, member, args);
                    assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.output()).isZero();
                }
                ExecResult byPrimary = cli.as(primary, group, "status");
                assertThat(byPrimary.exitCode()).as(byPrimary.output()).isZero();

                // … but not the rest: one line, exit 77
                String membersMay = "members of group " + group + " may run status, up, down, message, events, flows, dns log";
                ExecResult reload = cli.as(member, member, "reload");
                assertThat(reload.exitCode()).as(reload.output()).isEqualTo(DENIED);
                assertThat(reload.output().strip()).isEqualTo("netext: permission denied: 'reload' needs root; " + membersMay);
                ExecResult dashboard = cli.as(member, member, "dashboard");
                assertThat(dashboard.exitCode()).as(dashboard.output()).isEqualTo(DENIED);
                assertThat(dashboard.output()).contains("'dashboard' needs root").doesNotContain("token=");
                Path pcap = Files.createDirectories(dir.resolve("open")).resolve("x.pcapng");
                Files.setPosixFilePermissions(pcap.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
                ExecResult capture = cli.as(member, member, "capture", "--tunnel", "ctl", "-w", pcap.toString(), "-c", "1");
                assertThat(capture.exitCode()).as(capture.output()).isEqualTo(DENIED);
                assertThat(capture.output()).contains("'capture' needs root");
                assertThat(pcap).doesNotExist();

                // a non-member: refused for everything by the socket's mode; the profile stays up
                for (String[] args : List.of(new String[]{"status"}, new String[]{"down", "ctl"}, new String[]{"up", "ctl"},
                        new String[]{"events"}, new String[]{"flows"}, new String[]{"dns", "log"}, new String[]{"reload"})) {
                    ExecResult r = cli.as(stranger, stranger, args);
                    assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.output()).isEqualTo(DENIED);
                    assertThat(r.output()).contains("netext: permission denied: " + d.socket + " is for root and members of group " + group);
                }
                assertThat(d.profileStatus("ctl").path("active").asBoolean()).isTrue();

                // a process that carries the group although the user is not listed in it (a session older than
                // 'gpasswd -d'): the kernel lets it connect, the daemon's SO_PEERCRED check refuses it
                ExecResult stale = cli.asWithGroups(stranger, stranger, group, "status");
                assertThat(stale.exitCode()).as(stale.output()).isEqualTo(DENIED);
                assertThat(stale.output()).contains("netext: permission denied: 'status' needs root or group " + group
                        + " (you are " + stranger + ", not a member");
                assertThat(d.process.awaitLine(l -> l.contains("refused peer " + stranger + " (none) op status"), CONNECT)).isPresent();

                // root still does everything
                NetextProcess rootReload = d.cli("reload");
                assertThat(rootReload.waitFor(CLI)).as(rootReload.output()).isZero();
                NetextProcess rootDashboard = d.cli("dashboard");
                assertThat(rootDashboard.waitFor(CLI)).isZero();
                assertThat(rootDashboard.output().strip()).isEqualTo(d.dashboardUrl).contains("#token=");
                NetextProcess rootDown = d.cli("down", "ctl");
                assertThat(rootDown.waitFor(CLI)).as(rootDown.output()).isZero();
                assertThat(d.stop()).isZero();
            }
        }
        assertThat(accountsLeft(id)).as("the test's users and groups are gone").isEmpty();
    }

    private static boolean connected(JsonNode c) { return c.path("status").asText().equals("connected"); }

    static List<String> accountsLeft(String id) throws IOException {
        List<String> left = new ArrayList<>();
        for (String file : List.of("/etc/passwd", "/etc/group"))
            for (String line : Files.readAllLines(Path.of(file))) if (line.matches("nx[gmps]" + id + ":.*")) left.add(line);
        return left;
    }

    /** The CLI as another user, in the daemon's namespace, with a class path that user can read (MessageIntegrationTest uses it too). */
    record Cli(NetworkNamespace ns, String classPath, Path socket) {
        /** {@code setpriv --reuid=USER --regid=GROUP --init-groups netext ARGS… --control SOCKET}. */
        ExecResult as(String user, String regid, String... args) throws IOException {
            return run(List.of("--reuid=" + user, "--regid=" + regid, "--init-groups"), args);
        }

        /** As {@link #as}, with exactly {@code groups} as supplementary groups instead of the user's own. */
        ExecResult asWithGroups(String user, String regid, String groups, String... args) throws IOException {
            return run(List.of("--reuid=" + user, "--regid=" + regid, "--groups=" + groups), args);
        }

        private ExecResult run(List<String> ids, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("setpriv"));
            cmd.addAll(ids);
            cmd.addAll(List.of(NetextProcess.javaCommand().getFirst(), "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                    "-cp", classPath, "dev.netext.cli.Main"));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of("--control", socket.toString()));
            return ns.run(CLI, cmd.toArray(String[]::new));
        }
    }

    /** Users and groups created for the test, deleted on close (users first: their own groups go with them). */
    static final class Accounts implements AutoCloseable {
        private final List<String> users = new ArrayList<>();
        private final List<String> groups = new ArrayList<>();

        void group(String name) throws IOException, InterruptedException {
            groups.add(name);
            run("groupadd", name);
        }

        void user(String name, String... options) throws IOException, InterruptedException {
            users.add(name);
            List<String> cmd = new ArrayList<>(List.of("useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin"));
            cmd.addAll(List.of(options));
            cmd.add(name);
            run(cmd.toArray(String[]::new));
            if (List.of(options).contains("-U")) groups.add(name);
        }

        private static void run(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }

        @Override
        public void close() throws InterruptedException {
            for (String u : users.reversed()) quietly("userdel", u);
            for (String g : groups.reversed()) quietly("groupdel", g); // a user group userdel already removed: no harm
        }

        private static void quietly(String... cmd) throws InterruptedException {
            try {
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    /**
     * This JVM's class path where any user may read it: the jars come from root's Maven repository (mode 0700), so
     * each is hard-linked (copied across file systems) into a temporary directory, and class directories are copied.
     */
    static final class ReadableClassPath implements AutoCloseable {
        private final Path root = Files.createTempDirectory("netext-cp-");
        private final List<String> entries = new ArrayList<>();

        ReadableClassPath() throws IOException {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            int n = 0;
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path src = Path.of(e);
                if (!Files.exists(src)) continue;
                Path dst = root.resolve(n++ + "-" + src.getFileName());
                if (Files.isDirectory(src)) copyTree(src, dst);
                else link(src, dst);
                entries.add(dst.toString());
            }
        }

        String classPath() { return String.join(File.pathSeparator, entries); }

        /** A link shares the file's mode, which stays root's business: a file others may not read is copied instead. */
        private static void link(Path src, Path dst) throws IOException {
            if (Files.getPosixFilePermissions(src).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                try {
                    Files.createLink(dst, src);
                    return;
                } catch (IOException | UnsupportedOperationException e) {
                    // another file system: copy
                }
            }
            Files.copy(src, dst);
            Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
        }

        private static void copyTree(Path src, Path dst) throws IOException {
            try (Stream<Path> s = Files.walk(src)) {
                for (Path p : s.toList()) {
                    Path to = dst.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, to);
                        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
