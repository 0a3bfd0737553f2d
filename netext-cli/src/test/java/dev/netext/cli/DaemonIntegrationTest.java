package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netextd for real: a daemon child JVM per test inside a namespace of the test's own, profiles dropped into its
 * profiles directory, the CLI and the control socket driving it, the kernel state compared before and after.
 */
class DaemonIntegrationTest {
    private static final Duration CONNECT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static String echo(String name, String iface, String address) {
        return DaemonUnderTest.tunnelProfile("echo", name, iface, address);
    }

    /** pong answers pings to the other addresses of its /24 through the tunnel (its own address is local). */
    private static String pong(String name, String iface, String address) {
        return DaemonUnderTest.tunnelProfile("pong", name, iface, address);
    }

    private static void ping(NetworkNamespace ns, String address, int count) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(30), "ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "2", address);
        assertThat(r.exitCode()).as("ping %s:\n%s", address, r.output()).isZero();
        assertThat(r.output()).contains(count + " received");
    }

    private static String ifindex(NetworkNamespace ns, String link) throws Exception {
        return ns.ip("-o", "link", "show", link).orThrow().output().split(":")[0];
    }

    private static boolean connected(JsonNode c) { return c.path("status").asText().equals("connected"); }

    /** The ledgers in the state directory (which also holds the dashboard's token file while the daemon runs). */
    private static List<String> ledgers(Path state) throws Exception {
        if (!Files.isDirectory(state)) return List.of();
        try (Stream<Path> s = Files.list(state)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".state")).toList();
        }
    }

    @NetnsTest
    void aProfileDroppedInAndReloadedStartsRemovedAndReloadedLeavesNothing(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("netextd");
        NetworkState before = NetworkState.of(ns);
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            d.profile("a.yaml", echo("keep", "nxa0", "10.7.1.1"));
            NetextProcess reload = d.cli("reload");
            assertThat(reload.waitFor(CONNECT)).as(reload.output()).isZero();
            assertThat(reload.output()).contains("started keep");
            d.awaitComponent("keep", DaemonIntegrationTest::connected, CONNECT);
            String keepIndex = ifindex(ns, "nxa0");

            // drop a second profile in: only it starts; the first is not touched (same device)
            d.profile("b.yaml", pong("extra", "nxb0", "10.7.2.1"));
            reload = d.cli("reload");
            assertThat(reload.output()).contains("started extra").contains("unchanged keep");
            JsonNode c = d.awaitComponent("extra", DaemonIntegrationTest::connected, CONNECT);
            assertThat(c.path("detail").asText()).isEqualTo("on nxb0");
            ping(ns, "10.7.2.2", 3); // answered by the provider, through the tunnel
            assertThat(ifindex(ns, "nxa0")).isEqualTo(keepIndex);
            assertThat(ledgers(d.state)).hasSize(2);

            NetextProcess status = d.cli("status");
            assertThat(status.output()).contains("extra: active (enabled)").contains("tunnel pong: connected, on nxb0");

            // metrics: the tunnel is connected and counted the pings
            String metrics = d.scrape();
            assertThat(metrics).contains("# TYPE netext_tunnel_bytes_total counter")
                    .contains("netext_tunnel_status{profile=\"extra\",status=\"connected\"} 1")
                    .contains("netext_tunnel_status{profile=\"extra\",status=\"disconnected\"} 0")
                    .containsPattern("netext_tunnel_packets_total\\{profile=\"extra\",direction=\"in\"} [3-9]")
                    .contains("netext_events_total{type=\"StatusChanged\"}")
                    .contains("netext_provider_restarts_total{profile=\"extra\"} 0");

            // a change to one profile restarts just that one
            d.profile("b.yaml", pong("extra", "nxb0", "10.7.3.1"));
            assertThat(d.cli("reload").output()).contains("restarted extra").contains("unchanged keep");
            d.awaitComponent("extra", x -> connected(x), CONNECT);
            ping(ns, "10.7.3.2", 2);
            assertThat(ns.ip("-o", "addr", "show", "dev", "nxb0").orThrow().output()).doesNotContain("10.7.2.1");

            // removed: stopped, and nothing of it is left
            Files.delete(d.profiles.resolve("b.yaml"));
            assertThat(d.cli("reload").output()).contains("stopped extra");
            assertThat(ns.run("ip", "link", "show", "nxb0").exitCode()).isNotZero();
            assertThat(ns.ip("-o", "addr", "show").orThrow().output()).doesNotContain("10.7.3.1");
            assertThat(ledgers(d.state)).hasSize(1);

            // a broken profile set is refused as a whole: nothing changes
            d.profile("c.yaml", echo("keep", "nxc0", "10.7.4.1")); // duplicate name
            NetextProcess refused = d.cli("reload");
            assertThat(refused.waitFor(CONNECT)).isEqualTo(1);
            assertThat(refused.output()).contains("nothing was changed").containsPattern("c\\.yaml:1: name: profile name 'keep' is also used by .*a\\.yaml");
            assertThat(ifindex(ns, "nxa0")).isEqualTo(keepIndex);
            Files.delete(d.profiles.resolve("c.yaml"));

            // SIGHUP reloads too
            d.profile("b.yaml", pong("extra", "nxb0", "10.7.2.1"));
            ns.run("kill", "-HUP", Long.toString(d.process.pid()));
            d.process.awaitLine(l -> l.contains("reloaded (SIGHUP): started extra"), CONNECT).orElseThrow(() -> new AssertionError(d.process.output()));
            d.awaitComponent("extra", DaemonIntegrationTest::connected, CONNECT);

            Path token = d.state.resolve("dashboard.token");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
            assertThat(d.dashboardUrl).endsWith("#token=" + Files.readString(token).strip());
            assertThat(d.stop()).as(d.process.output()).isZero();
            assertThat(ledgers(d.state)).isEmpty();
            assertThat(token).as("the dashboard's token is removed at stop").doesNotExist();

            // the lifecycle of each tunnel is in the exported event log, in order
            List<String> extra = d.exportedEvents().stream()
                    .filter(e -> e.path("type").asText().equals("StatusChanged") && e.path("provider").asText().equals("extra"))
                    .map(e -> e.path("to").asText()).toList();
            assertThat(extra).containsExactly("connecting", "connected", "disconnecting", "disconnected",  // restart
                    "connecting", "connected", "disconnecting", "disconnected",                          // removed
                    "connecting", "connected", "disconnecting", "disconnected");                         // SIGHUP, stop
            long seq = 0;
            for (JsonNode e : d.exportedEvents()) {
                assertThat(e.path("seq").asLong()).isGreaterThan(seq);
                seq = e.path("seq").asLong();
            }
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void aCrashingPluginProviderIsRestartedWithBackoffWhileAPongTunnelKeepsAnswering(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("crash");
        NetworkState before = NetworkState.of(ns);
        Path profilesDir = Files.createDirectories(dir.resolve("profiles.d"));
        ProviderJar.crasher(profilesDir.resolve("plugins/crasher.jar"), 300);
        Files.writeString(profilesDir.resolve("pong.yaml"), pong("steady", "nxe0", "10.7.5.1"));
        Files.writeString(profilesDir.resolve("crash.yaml"), """
                name: crashy
                tunnel:
                  provider: crash.Crasher
                  interface: nxc0
                  settings:
                    addresses: [10.7.6.1/24]
                """);
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            d.awaitComponent("steady", DaemonIntegrationTest::connected, CONNECT);
            NetextProcess follow = NetextProcess.start(ns, "events", "--follow", "--control", d.socket.toString());
            // ~3 s of pings while the other provider crashes and comes back several times
            ping(ns, "10.7.5.2", 15);
            JsonNode crashy = d.awaitComponent("crashy", x -> x.path("restarts").asLong() >= 2, CONNECT);
            assertThat(crashy.path("last_error").asText()).contains("crashed on purpose");
            JsonNode steady = d.profileStatus("steady").path("components").get(0);
            assertThat(steady.path("restarts").asLong()).isZero();
            assertThat(steady.path("status").asText()).isEqualTo("connected");

            String metrics = d.scrape();
            assertThat(metrics).containsPattern("netext_provider_restarts_total\\{profile=\"crashy\"} [2-9]")
                    .contains("netext_provider_restarts_total{profile=\"steady\"} 0")
                    .containsPattern("netext_events_total\\{type=\"ProviderFailed\"} [2-9]");

            // --follow printed live restarts as they happened, and stops cleanly on SIGTERM
            assertThat(follow.awaitLine(l -> l.contains("\"type\":\"ProviderRestarted\"") && l.contains("\"attempt\":2"), CONNECT))
                    .as(follow.output()).isPresent();
            assertThat(follow.terminate(CONNECT)).isZero();

            NetextProcess events = d.cli("events");
            assertThat(events.waitFor(CONNECT)).isZero();
            List<JsonNode> lines = events.lines().stream().filter(l -> l.startsWith("{")).map(l -> {
                try {
                    return dev.netext.daemon.control.ControlClient.mapper().readTree(l);
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
            List<JsonNode> failures = lines.stream().filter(e -> e.path("type").asText().equals("ProviderFailed")).toList();
            List<JsonNode> restarts = lines.stream().filter(e -> e.path("type").asText().equals("ProviderRestarted")).toList();
            assertThat(failures).isNotEmpty().allMatch(e -> e.path("provider").asText().equals("crashy")
                    && e.path("will_restart").asBoolean() && e.path("message").asText().equals("crashed on purpose"));
            assertThat(restarts).extracting(e -> e.path("attempt").asInt()).startsWith(1, 2);
            // each restart follows its failure
            assertThat(restarts.getFirst().path("seq").asLong()).isGreaterThan(failures.getFirst().path("seq").asLong());

            assertThat(d.stop()).isZero();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void onDemandRulesConnectAndDisconnectATunnelAsTheDefaultRouteComesAndGoes(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("od");
        lab.namespace("odpeer");
        lab.veth("od", "odlan0", "192.0.2.2/24", "odpeer", "odpeer0", "192.0.2.1/24");
        for (int i = 0; i < 100 && ns.ip("-o", "addr", "show").orThrow().output().contains("tentative"); i++) Thread.sleep(100);
        NetworkState before = NetworkState.of(ns); // after IPv6 duplicate address detection, which changes the state
        Path profilesDir = Files.createDirectories(dir.resolve("profiles.d"));
        Files.writeString(profilesDir.resolve("od.yaml"), """
                name: office
                tunnel:
                  provider: pong
                  interface: nxo0
                  settings:
                    addresses: [10.7.8.1/24]
                on-demand:
                  - { action: connect, interface: "odlan*" }
                  - { action: disconnect }
                """);
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            // offline: the catch-all disconnect rule matches, nothing runs
            JsonNode p = d.profileStatus("office");
            assertThat(p.path("active").asBoolean()).isFalse();
            assertThat(ns.run("ip", "link", "show", "nxo0").exitCode()).isNotZero();

            ns.ip("route", "add", "default", "via", "192.0.2.1", "dev", "odlan0").orThrow();
            d.awaitComponent("office", DaemonIntegrationTest::connected, CONNECT);
            assertThat(d.profileStatus("office").path("reason").asText()).isEqualTo("on-demand: Connect rule 1");
            ping(ns, "10.7.8.2", 2);

            ns.ip("route", "del", "default").orThrow();
            d.awaitComponent("office", c -> c.path("status").asText().equals("disconnected"), CONNECT);
            assertThat(d.profileStatus("office").path("reason").asText()).isEqualTo("on-demand: Disconnect rule 2");
            assertThat(ns.run("ip", "link", "show", "nxo0").exitCode()).isNotZero();

            NetextProcess events = d.cli("events");
            assertThat(events.output()).contains("\"message_type\":\"daemon.on-demand\"")
                    .contains("\"action\":\"connect\"").contains("\"action\":\"disconnect\"");
            assertThat(d.stop()).isZero();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void whatAKilledDaemonLeftIsRemovedByTheNextOne(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("kill9");
        NetworkState before = NetworkState.of(ns);
        Path first = dir.resolve("first"), second = dir.resolve("second");
        Files.createDirectories(first.resolve("profiles.d"));
        // a full tunnel with an exclusion: policy rules and a table of its own, which the kernel keeps after a crash
        Files.writeString(first.resolve("profiles.d/full.yaml"), """
                name: full
                tunnel:
                  provider: pong
                  interface: nxk0
                  settings:
                    addresses: [10.7.9.1/24]
                    routes: [0.0.0.0/0]
                    excluded-routes: [10.7.10.0/24]
                """);
        Path state = dir.resolve("state");
        try (DaemonUnderTest d = new DaemonUnderTest(ns, first, "--state-dir", state.toString())) {
            d.awaitComponent("full", DaemonIntegrationTest::connected, CONNECT);
            assertThat(ledgers(state)).singleElement().asString().startsWith("tunnel-full-");
            d.process.kill();
        }
        assertThat(NetworkState.of(ns).rules()).contains("suppress_prefixlength 0"); // stranded by the crash
        try (DaemonUnderTest d = new DaemonUnderTest(ns, second, "--state-dir", state.toString())) {
            assertThat(NetworkState.of(ns)).isEqualTo(before);
            NetextProcess events = d.cli("events");
            assertThat(events.output()).contains("\"message_type\":\"daemon.recovered\"");
            assertThat(d.stop()).isZero();
        }
        assertThat(ledgers(state)).isEmpty();
    }

    @NetnsTest
    void theControlSocketIsRootOnlyAndTheCliSaysWhenTheDaemonIsNotRunning(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("ctl");
        Path missing = dir.resolve("nowhere/control.sock");
        try (NetextProcess status = NetextProcess.start(ns, "status", "--control", missing.toString())) {
            assertThat(status.waitFor(DaemonUnderTest.START)).isEqualTo(3);
            assertThat(status.output()).contains("the netext daemon is not running (no control socket at " + missing + ")");
        }
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            assertThat(Files.getPosixFilePermissions(d.socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(d.call("status", null).path("ok").asBoolean()).isTrue();

            // nobody cannot even open the socket file (mode 0600) …
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(d.socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            String denied = asNobody(d.socket, "{\"op\":\"status\"}");
            assertThat(denied).containsIgnoringCase("permission denied").doesNotContain("\"ok\":true");

            // … and when the file is opened up, the daemon still refuses by the peer's credentials (SO_PEERCRED)
            Files.setPosixFilePermissions(d.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            String refused = asNobody(d.socket, "{\"op\":\"status\"}");
            assertThat(refused).contains("\"ok\":false").contains("for root only (you are nobody)").doesNotContain("\"profiles\"");
            assertThat(d.process.awaitLine(l -> l.contains("refused peer nobody"), CONNECT)).isPresent();

            // bad requests get an answer, not a dropped connection
            try (var c = dev.netext.daemon.control.ControlClient.connect(d.socket)) {
                c.send(dev.netext.daemon.control.ControlClient.mapper().createObjectNode().put("op", "stauts"));
                assertThat(c.read().path("error").asText()).contains("unknown op 'stauts' (did you mean 'status'?)");
                NetextProcess up = d.cli("up", "nosuch");
                assertThat(up.waitFor(CONNECT)).isEqualTo(1);
                assertThat(up.output()).contains("no profile named 'nosuch'");
            }
            assertThat(d.stop()).isZero();
        }
        assertThat(Files.exists(dir.resolve("run/control.sock"))).isFalse();
    }

    /** Sends one line to the socket as user nobody (setpriv) with nc; returns what came back, and nc's complaints. */
    private static String asNobody(Path socket, String line) throws Exception {
        HostPackages.require("setpriv", "nc");
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "nc", "-U", "-q", "2", socket.toString()).redirectErrorStream(true).start();
        try (OutputStream os = p.getOutputStream()) {
            os.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            // nc already gave up (could not connect): its output says why
        }
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("nc did not finish");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
