package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.lab.NetextProcess;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netextd under the faults a host meets without anyone watching (issue 11): a broken profile file at boot, an idle or
 * foreign client on {@code /metrics}, a journal that keeps the daemon's output. A daemon child JVM per test in a
 * namespace of its own, as {@link DaemonIntegrationTest} runs it.
 */
class DaemonSafetyIntegrationTest {
    private static final Duration CONNECT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** A typo'd key, as a hand-edited file has one. */
    private static final String TYPO = """
            name: charlie
            tunel:
              provider: echo
            """;

    private static boolean connected(JsonNode c) { return c.path("status").asText().equals("connected"); }

    @NetnsTest
    void aBrokenProfileAtStartIsLeftOutAndReportedWhileTheOthersRunAndStartsOnceFixed(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("broken");
        NetworkState before = NetworkState.of(ns);
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        Files.writeString(profiles.resolve("a.yaml"), DaemonUnderTest.tunnelProfile("echo", "alpha", "nxa0", "10.7.21.1"));
        Files.writeString(profiles.resolve("b.yaml"), DaemonUnderTest.tunnelProfile("pong", "bravo", "nxb0", "10.7.22.1"));
        Path broken = Files.writeString(profiles.resolve("c.yaml"), TYPO);
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            d.awaitComponent("alpha", DaemonSafetyIntegrationTest::connected, CONNECT);
            d.awaitComponent("bravo", DaemonSafetyIntegrationTest::connected, CONNECT);
            ExecResult ping = ns.run(Duration.ofSeconds(30), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.22.2");
            assertThat(ping.exitCode()).as(ping.output()).isZero();
            assertThat(d.process.output()).contains(broken + " has errors and was not started")
                    .contains("c.yaml:2: tunel: unknown key");

            // status names the file and its errors, and says so in its exit code (text and JSON)
            NetextProcess status = d.cli("status");
            assertThat(status.waitFor(CONNECT)).as(status.output()).isEqualTo(StatusCommand.PROFILES_BROKEN);
            assertThat(status.output()).contains("alpha: active").contains("bravo: active")
                    .contains(broken + ": not started, it has errors").contains("c.yaml:2: tunel: unknown key");
            NetextProcess json = d.cli("status", "--json");
            assertThat(json.waitFor(CONNECT)).isEqualTo(StatusCommand.PROFILES_BROKEN);
            JsonNode reported = ControlClient.mapper().readTree(json.output()).path("broken");
            assertThat(reported).hasSize(1);
            assertThat(reported.get(0).path("file").asText()).isEqualTo(broken.toString());
            assertThat(reported.get(0).path("required").asBoolean()).isFalse();
            assertThat(reported.get(0).path("errors").get(0).asText()).contains("c.yaml:2: tunel: unknown key");

            // and it is an event
            List<JsonNode> events = d.exportedEvents().stream()
                    .filter(e -> e.path("message_type").asText().equals("daemon.profile-broken")).toList();
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.path("provider").asText()).isEqualTo("netextd");
                assertThat(e.path("attributes").path("file").asText()).isEqualTo(broken.toString());
                assertThat(e.path("attributes").path("first").asText()).contains("c.yaml:2: tunel: unknown key");
            });

            // a reload stays all-or-nothing: refused while the file is broken, the running profiles kept ...
            NetextProcess refused = d.cli("reload");
            assertThat(refused.waitFor(CONNECT)).isEqualTo(1);
            assertThat(refused.output()).contains("nothing was changed").contains("c.yaml:2: tunel");
            assertThat(connected(d.profileStatus("alpha").path("components").get(0))).isTrue();

            // ... and once the file is fixed, a reload starts it and the report is gone
            Files.writeString(broken, DaemonUnderTest.tunnelProfile("echo", "charlie", "nxc0", "10.7.23.1"));
            NetextProcess reload = d.cli("reload");
            assertThat(reload.waitFor(CONNECT)).as(reload.output()).isZero();
            assertThat(reload.output()).contains("started charlie").contains("unchanged alpha bravo");
            d.awaitComponent("charlie", DaemonSafetyIntegrationTest::connected, CONNECT);
            NetextProcess healthy = d.cli("status");
            assertThat(healthy.waitFor(CONNECT)).as(healthy.output()).isZero();
            assertThat(healthy.output()).doesNotContain("not started");
            assertThat(d.stop()).as(d.process.output()).isZero();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void aBrokenProfileMarkedRequiredStartsNothing(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("required");
        NetworkState before = NetworkState.of(ns);
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        Files.writeString(profiles.resolve("a.yaml"), DaemonUnderTest.tunnelProfile("echo", "alpha", "nxa0", "10.7.21.1"));
        Files.writeString(profiles.resolve("b.yaml"), DaemonUnderTest.tunnelProfile("pong", "bravo", "nxb0", "10.7.22.1"));
        Files.writeString(profiles.resolve("c.yaml"), "required: true\n" + TYPO);
        try (NetextProcess daemon = NetextProcess.start(ns, "daemon", "--profiles-dir", profiles.toString(),
                "--control", dir.resolve("run/control.sock").toString(), "--state-dir", dir.resolve("run/state").toString(),
                "--plugins-dir", Files.createDirectories(dir.resolve("plugins")).toString(),
                "--metrics", "127.0.0.1:0", "--dashboard", "127.0.0.1:0")) {
            assertThat(daemon.waitFor(DaemonUnderTest.START)).as(daemon.output()).isEqualTo(2);
            assertThat(daemon.output()).contains("a profile marked required has errors; nothing was started")
                    .contains("c.yaml:3: tunel: unknown key").doesNotContain("ready");
        }
        assertThat(ns.run("ip", "link", "show", "nxa0").exitCode()).isNotZero();
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void aStalledMetricsClientDelaysNoScrapeAndAForeignHostIsRefused(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("metrics");
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            URI url = URI.create(d.metricsUrl);
            InetSocketAddress at = new InetSocketAddress(url.getHost(), url.getPort());
            String host = url.getHost() + ":" + url.getPort();
            ns.runInside(() -> { // the daemon listens on the namespace's loopback
                long baseline = Long.MAX_VALUE; // the fastest of a few: a loaded machine may slow any one scrape
                for (int i = 0; i < 4; i++) baseline = Math.min(baseline, timedScrape(at, host));
                List<Socket> stalled = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) { // "GET / HTTP/1.1\r\nHost: x", then nothing
                        Socket s = new Socket();
                        stalled.add(s);
                        s.connect(at, 2_000);
                        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x".getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    }
                    long fastest = Long.MAX_VALUE, slowest = 0;
                    for (int i = 0; i < 5; i++) {
                        long took = timedScrape(at, host);
                        fastest = Math.min(fastest, took);
                        slowest = Math.max(slowest, took);
                    }
                    // waiting for a stalled client would take until it closes (before) or the 5 s head timeout
                    assertThat(Duration.ofNanos(fastest - baseline)).as("delay over the %d µs baseline", baseline / 1000)
                            .isLessThan(Duration.ofMillis(100));
                    assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(1));
                } finally {
                    for (Socket s : stalled) s.close();
                }
            });
            // a DNS-rebound page presents its own name as Host
            for (String foreign : List.of("evil.example:" + url.getPort(), "evil.example", "127.0.0.1:1")) {
                String code = ns.run(Duration.ofSeconds(10), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        "--max-time", "5", "-H", "Host: " + foreign, d.metricsUrl).orThrow().output().strip();
                assertThat(code).as("Host: %s", foreign).isEqualTo("421");
            }
            assertThat(d.scrape()).contains("netext_events_total");
            assertThat(d.stop()).isZero();
        }
    }

    /** One scrape over a raw socket (never a client-side pool); nanoseconds until the whole answer was read. */
    private static long timedScrape(InetSocketAddress at, String host) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(at, 2_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            assertThat(all.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200 ").contains("netext_events_total");
        }
        return System.nanoTime() - t0;
    }

    @NetnsTest
    void theDashboardTokenIsNeverInTheDaemonsOutput(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("token");
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        Files.writeString(profiles.resolve("a.yaml"), DaemonUnderTest.tunnelProfile("pong", "alpha", "nxa0", "10.7.21.1"));
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            Path tokenFile = d.state.resolve("dashboard.token");
            String token = Files.readString(tokenFile).strip();
            assertThat(token).hasSize(43);
            d.awaitComponent("alpha", DaemonSafetyIntegrationTest::connected, CONNECT);
            // the ready line says where the token is
            assertThat(d.process.output()).containsPattern("dashboard http://127\\.0\\.0\\.1:\\d+/ \\(token in "
                    + java.util.regex.Pattern.quote(tokenFile.toString()) + "; netext dashboard prints the URL with it\\)");
            Files.writeString(profiles.resolve("b.yaml"), DaemonUnderTest.tunnelProfile("echo", "bravo", "nxb0", "10.7.22.1"));
            ns.run("kill", "-HUP", Long.toString(d.process.pid()));
            d.process.awaitLine(l -> l.contains("reloaded (SIGHUP)"), CONNECT).orElseThrow(() -> new AssertionError(d.process.output()));

            NetextProcess status = d.cli("status");
            assertThat(status.waitFor(CONNECT)).isZero();
            assertThat(status.output()).contains("dashboard http://127.0.0.1:").doesNotContain(token);
            NetextProcess dashboard = d.cli("dashboard"); // root asks for it: the one place it is printed
            assertThat(dashboard.waitFor(CONNECT)).isZero();
            assertThat(dashboard.output().strip()).endsWith("/#token=" + token);

            assertThat(d.stop()).isZero();
            assertThat(d.process.output()).as("the daemon's stdout and stderr (the journal)").doesNotContain(token)
                    .contains("netext daemon: stopped");
            assertThat(Files.readString(d.events)).doesNotContain(token);
        }
    }
}
