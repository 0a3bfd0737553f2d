package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A plugin provider that allocates on purpose, under a daemon with a memory budget: warned at the soft limit (event,
 * then its onMemoryPressure listener runs), stopped at the hard limit with an event first, reported in status — while
 * a pong tunnel in the same daemon keeps answering.
 */
class MemoryBudgetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** ~40 MiB/s until warned, then ~400 MiB/s; publishes the budget it was given and the warning it got. */
    private static final String HOG = """
            package hog;
            import dev.netext.api.tunnel.*;
            import java.util.Map;
            public class Hog implements PacketTunnelProvider {
                static volatile Object sink;
                volatile boolean warned;
                @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                    context.setTunnelNetworkSettings(context.profileSettings());
                    context.publish("hog.budget", Map.of("bytes", Long.toString(context.memoryBudgetBytes().orElse(-1))));
                    context.onMemoryPressure(e -> {
                        context.publish("hog.pressure", Map.of("limit", e.limit().name(), "used", Long.toString(e.usedBytes())));
                        warned = true;
                    });
                    context.spawn("allocate", () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            int chunks = warned ? 40 : 4;
                            byte[][] keep = new byte[chunks][];
                            for (int i = 0; i < chunks; i++) keep[i] = new byte[1 << 20];
                            sink = keep;
                            Thread.sleep(100);
                        }
                    });
                }
                @Override public void stopTunnel(StopReason reason) {}
            }
            """;

    @NetnsTest
    void aProviderOverItsBudgetIsWarnedThenStoppedWithEventsWhileOthersServe(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("membudget");
        NetworkState before = NetworkState.of(ns);
        Path profilesDir = Files.createDirectories(dir.resolve("profiles.d"));
        ProviderJar.write(profilesDir.resolve("plugins/hog.jar"), "hog.Hog", HOG);
        Files.writeString(profilesDir.resolve("hog.yaml"), """
                name: hog
                memory: { soft: 16MiB, hard: 200MiB, window: 1s }
                tunnel:
                  provider: hog.Hog
                  interface: nxhog0
                  settings:
                    addresses: [10.7.11.1/24]
                """);
        Files.writeString(profilesDir.resolve("pong.yaml"), """
                name: steady
                tunnel:
                  provider: pong
                  interface: nxst0
                  settings:
                    addresses: [10.7.12.1/24]
                """);
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            JsonNode hog = d.awaitComponent("hog", c -> c.path("detail").asText().startsWith("stopped: memory limit"), WAIT);
            assertThat(hog.path("status").asText()).isEqualTo("disconnected");
            assertThat(hog.path("restarts").asLong()).isZero();
            assertThat(hog.path("counters").path("memory_window_peak_bytes").asLong()).isGreaterThanOrEqualTo(200L << 20);
            NetextProcess status = d.cli("status");
            assertThat(status.output()).contains("tunnel hog.Hog: disconnected, stopped: memory limit")
                    .containsPattern("memory: [0-9.]+ MiB allocated in the window \\(peak [0-9.]+ MiB\\), soft 16\\.0 MiB, hard 200\\.0 MiB");

            ExecResult ping = ns.run(Duration.ofSeconds(30), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.12.2");
            assertThat(ping.output()).contains("2 received");
            assertThat(d.profileStatus("steady").path("components").get(0).path("status").asText()).isEqualTo("connected");

            NetextProcess events = d.cli("events");
            List<JsonNode> hogEvents = events.lines().stream().filter(l -> l.startsWith("{\"seq\"") || l.startsWith("{") && l.contains("\"seq\""))
                    .map(MemoryBudgetIntegrationTest::json).filter(e -> e.path("provider").asText().equals("hog")).toList();
            List<String> story = hogEvents.stream().map(e -> switch (e.path("type").asText()) {
                case "MemoryBudgetExceeded" -> "exceeded " + e.path("limit").asText();
                case "ProviderMessage" -> e.path("message_type").asText();
                case "StatusChanged" -> e.path("to").asText();
                default -> e.path("type").asText();
            }).toList();
            assertThat(story).as(events.output()).containsSubsequence("connecting", "hog.budget", "connected", "exceeded soft",
                    "hog.pressure", "exceeded hard", "disconnecting", "disconnected");
            assertThat(story).as(d.process.output()).doesNotContain("ProviderRestarted");
            Thread.sleep(1500); // longer than the restart backoff (200–800 ms): still stopped, still not restarted
            JsonNode later = d.awaitComponent("hog", c -> true, WAIT);
            assertThat(later.path("restarts").asLong()).isZero();
            assertThat(later.path("status").asText()).isEqualTo("disconnected");
            JsonNode budget = hogEvents.stream().filter(e -> e.path("message_type").asText().equals("hog.budget")).findFirst().orElseThrow();
            assertThat(budget.path("attributes").path("bytes").asText()).isEqualTo(Long.toString(200L << 20));
            JsonNode hard = hogEvents.stream().filter(e -> e.path("limit").asText().equals("hard")).findFirst().orElseThrow();
            assertThat(hard.path("limit_bytes").asLong()).isEqualTo(200L << 20);
            assertThat(hard.path("used_bytes").asLong()).isGreaterThanOrEqualTo(200L << 20);
            assertThat(d.stop()).as(d.process.output()).isZero();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    private static JsonNode json(String line) {
        try {
            return ControlClient.mapper().readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }
}
