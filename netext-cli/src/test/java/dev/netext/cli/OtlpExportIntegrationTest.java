package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.netext.daemon.control.ControlClient;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext daemon --otlp-endpoint}: a collector (JDK HttpServer; the payload shape itself is checked in
 * netext-daemon's OtlpLogsExporterTest) listening on the namespace's loopback receives the daemon's lifecycle events
 * as OTLP log records, up to {@code daemon.stopped}, which is flushed on shutdown.
 */
class OtlpExportIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @NetnsTest
    void theDaemonsEventsReachTheCollectorAsLogRecords(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("otlp");
        List<JsonNode> records = new CopyOnWriteArrayList<>();
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer collector = ns.runInside(() -> HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
        collector.createContext("/", ex -> {
            try (ex) {
                paths.add(ex.getRequestURI().getPath());
                JsonNode root = ControlClient.mapper().readTree(ex.getRequestBody().readAllBytes());
                for (JsonNode rl : root.path("resourceLogs"))
                    for (JsonNode sl : rl.path("scopeLogs")) for (JsonNode lr : sl.path("logRecords")) records.add(lr);
                ex.sendResponseHeaders(200, -1);
            }
        });
        collector.start();
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir, "--otlp-endpoint", "http://127.0.0.1:" + collector.getAddress().getPort())) {
            d.profile("pong.yaml", """
                    name: otlp-pong
                    tunnel:
                      provider: pong
                      interface: nxotlp0
                      settings:
                        addresses: [10.7.13.1/24]
                    """);
            assertThat(d.cli("reload").output()).contains("started otlp-pong");
            d.awaitComponent("otlp-pong", c -> c.path("status").asText().equals("connected"), WAIT);
            assertThat(d.stop()).as(d.process.output()).isZero();
        } finally {
            collector.stop(0);
        }
        assertThat(paths).isNotEmpty().allMatch("/v1/logs"::equals);
        List<String> bodies = records.stream().map(r -> r.path("body").path("stringValue").asText()).toList();
        assertThat(bodies).anyMatch(b -> b.contains("\"message_type\":\"daemon.started\""))
                .anyMatch(b -> b.contains("\"provider\":\"otlp-pong\"") && b.contains("\"to\":\"connected\""))
                .anyMatch(b -> b.contains("\"message_type\":\"daemon.stopped\""));
        long seq = 0;
        for (String b : bodies) {
            long s = ControlClient.mapper().readTree(b).path("seq").asLong();
            assertThat(s).isGreaterThan(seq);
            seq = s;
        }
    }
}
