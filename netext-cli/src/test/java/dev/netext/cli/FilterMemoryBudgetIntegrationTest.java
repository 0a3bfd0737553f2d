package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The profile's {@code memory:} budget applied to a flow filter's custom provider (a plugin jar): idle it stays
 * under it; asked to (a flow to port 8083) it allocates heavily on its call thread — warned at the soft limit (event,
 * then its onMemoryPressure listener), stopped at the hard limit (event, interception removed, not restarted) — while
 * a pong tunnel of another profile keeps answering. Real curl between two namespaces under the daemon.
 */
class FilterMemoryBudgetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long HARD = 200L << 20;

    /** Port 8083: ~1 MiB every 2 ms, up to 600 MiB, on the call's thread (interrupted when the filter is stopped). */
    private static final String HOG_FILTER = """
            package test;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.util.Map;
            public class HogFilter implements FilterDataProvider {
                static volatile Object sink;
                @Override public void startFilter(FilterContext context, Map<String, Object> options) {
                    context.publish("hog.budget", Map.of("bytes", Long.toString(context.memoryBudgetBytes().orElse(-1))), 0);
                    context.onMemoryPressure(e -> context.publish("hog.pressure",
                            Map.of("limit", e.limit().name(), "used", Long.toString(e.usedBytes())), 0));
                }
                @Override public void stopFilter(StopReason reason) {}
                @Override public FilterVerdict handleNewFlow(Flow flow) {
                    if (flow.remote().port() != 8083) return FinalVerdict.ALLOW;
                    try {
                        for (int i = 0; i < 600; i++) {
                            byte[][] keep = new byte[1][];
                            keep[0] = new byte[1 << 20];
                            sink = keep;
                            Thread.sleep(2);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return FinalVerdict.ALLOW;
                }
            }
            """;

    @TempDir
    Path dir;

    private static HttpServer server(NetworkNamespace s, int port) throws Exception {
        return s.runInside(() -> {
            HttpServer h = HttpServer.create(new InetSocketAddress("10.79.4.2", port), 16);
            h.createContext("/", ex -> {
                byte[] body = ("hello from " + port).getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            h.start();
            return h;
        });
    }

    private static ExecResult curl(NetworkNamespace ns, int port) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "http://10.79.4.2:" + port + "/");
    }

    @NetnsTest
    void aFilterProviderOverItsBudgetIsWarnedThenStoppedWhileATunnelServes(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("fmbc"), s = lab.namespace("fmbs");
        lab.veth(VethEnd.of("fmbc", "c-eth", "10.79.4.1/24"), VethEnd.of("fmbs", "s-eth", "10.79.4.2/24"));
        NetworkState before = NetworkState.of(c);
        for (int i = 0; i < 50 && before.toString().contains("tentative"); i++) { // the veth's link-local address, DAD
            Thread.sleep(100);
            before = NetworkState.of(c);
        }
        List<HttpServer> http = new ArrayList<>(List.of(server(s, 8080), server(s, 8083)));
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            ProviderJar.write(d.plugins.resolve("hog-filter.jar"), "test.HogFilter", HOG_FILTER);
            d.profile("web.yaml", """
                    name: web
                    memory: { soft: 32MiB, hard: 200MiB, window: 1s }
                    filter:
                      provider: test.HogFilter
                    """);
            d.profile("pong.yaml", """
                    name: fmb-pong
                    tunnel:
                      provider: pong
                      interface: nxfmb0
                      settings:
                        addresses: [10.7.16.1/24]
                    """);
            assertThat(d.cli("reload").output()).contains("started fmb-pong web");
            d.awaitComponent("web", comp -> comp.path("status").asText().equals("connected"), WAIT);
            d.awaitComponent("fmb-pong", comp -> comp.path("status").asText().equals("connected"), WAIT);

            // under budget: filtered and relayed; the status carries the budget's counters
            assertThat(curl(c, 8080).output()).contains("hello from 8080");
            Thread.sleep(1500);
            JsonNode idle = d.awaitComponent("web", comp -> true, WAIT);
            assertThat(idle.path("status").asText()).isEqualTo("connected");
            assertThat(idle.path("counters").path("memory_hard_bytes").asLong()).isEqualTo(HARD);
            assertThat(idle.path("counters").path("memory_window_bytes").asLong()).isLessThan(32L << 20);

            curl(c, 8083); // the provider allocates on this flow's call; the filter is stopped under it
            JsonNode web = d.awaitComponent("web", comp -> comp.path("detail").asText().startsWith("stopped: memory limit"), WAIT);
            assertThat(web.path("status").asText()).isEqualTo("disconnected");
            assertThat(web.path("counters").path("memory_window_peak_bytes").asLong()).isGreaterThanOrEqualTo(HARD);
            assertThat(d.cli("status").output()).contains("filter test.HogFilter: disconnected, stopped: memory limit")
                    .containsPattern("memory: [0-9.]+ MiB allocated in the window \\(peak [0-9.]+ MiB\\), soft 32\\.0 MiB, hard 200\\.0 MiB");
            assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");

            // the other profile's tunnel never stopped; the filter stays stopped (no restart loop)
            ExecResult ping = c.run(Duration.ofSeconds(30), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.16.2");
            assertThat(ping.output()).contains("2 received");
            assertThat(d.awaitComponent("fmb-pong", comp -> true, WAIT).path("status").asText()).isEqualTo("connected");
            Thread.sleep(1500); // longer than the restart backoff (200–800 ms)
            assertThat(d.awaitComponent("web", comp -> true, WAIT).path("status").asText()).isEqualTo("disconnected");
            assertThat(curl(c, 8080).output()).contains("hello from 8080"); // not intercepted any more

            List<JsonNode> webEvents = d.exportedEvents().stream().filter(e -> e.path("provider").asText().equals("web")).toList();
            List<String> story = webEvents.stream().map(e -> switch (e.path("type").asText()) {
                case "MemoryBudgetExceeded" -> "exceeded " + e.path("limit").asText();
                case "ProviderMessage" -> e.path("message_type").asText();
                default -> e.path("type").asText();
            }).toList();
            assertThat(story).as(d.process.output()).containsSubsequence("hog.budget", "exceeded soft", "hog.pressure", "exceeded hard")
                    .doesNotContain("ProviderRestarted", "ProviderFailed");
            JsonNode budget = webEvents.stream().filter(e -> e.path("message_type").asText().equals("hog.budget")).findFirst().orElseThrow();
            assertThat(budget.path("attributes").path("bytes").asText()).isEqualTo(Long.toString(HARD));
            JsonNode hard = webEvents.stream().filter(e -> e.path("limit").asText().equals("hard")).findFirst().orElseThrow();
            assertThat(hard.path("limit_bytes").asLong()).isEqualTo(HARD);
            assertThat(hard.path("used_bytes").asLong()).isGreaterThanOrEqualTo(HARD);
            assertThat(d.exportedEvents()).noneMatch(e -> e.path("provider").asText().equals("fmb-pong")
                    && e.path("type").asText().startsWith("Provider") && !e.path("type").asText().equals("ProviderMessage"));

            // 'netext up' starts it anew, under budget again
            assertThat(d.cli("up", "web").waitFor(WAIT)).isZero();
            d.awaitComponent("web", comp -> comp.path("status").asText().equals("connected"), WAIT);
            assertThat(curl(c, 8080).output()).contains("hello from 8080");
            assertThat(d.stop()).as(d.process.output()).isZero();
        } finally {
            for (HttpServer h : http) h.stop(0);
        }
        assertThat(NetworkState.of(c)).isEqualTo(before);
    }
}
