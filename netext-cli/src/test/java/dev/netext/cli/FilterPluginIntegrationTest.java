package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A custom {@code FilterDataProvider} compiled into a plugin jar by the test, named in a profile's {@code filter:}
 * section: it drops flows to one port, and throws on another. Real curl in a client namespace against HTTP servers in
 * a server namespace, under the daemon (crash → failure verdict, reported, restarted; a pong tunnel of another
 * profile keeps answering) and under {@code netext up}.
 */
class FilterPluginIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PORT_FILTER = """
            package test;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.util.Map;
            public class PortFilter implements FilterDataProvider {
                private int drop, crash;
                @Override public void startFilter(FilterContext context, Map<String, Object> options) {
                    drop = ((Number) options.get("drop-port")).intValue();
                    crash = ((Number) options.getOrDefault("crash-port", 0)).intValue();
                }
                @Override public void stopFilter(StopReason reason) {}
                @Override public FilterVerdict handleNewFlow(Flow flow) {
                    int port = flow.remote().port();
                    if (port == crash) throw new IllegalStateException("crash on purpose for port " + port);
                    return port == drop ? FinalVerdict.DROP : FinalVerdict.ALLOW;
                }
            }
            """;

    /** The same filter, saying it needs neither the process nor the terminated path: its flows take the fast path. */
    private static final String FAST_PORT_FILTER = """
            package test;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.util.Map;
            public class FastPortFilter implements FilterDataProvider {
                private int drop;
                @Override public void startFilter(FilterContext context, Map<String, Object> options) {
                    drop = ((Number) options.get("drop-port")).intValue();
                }
                @Override public void stopFilter(StopReason reason) {}
                @Override public FilterVerdict handleNewFlow(Flow flow) {
                    return flow.remote().port() == drop ? FinalVerdict.DROP : FinalVerdict.ALLOW;
                }
                @Override public boolean needsProcess() { return false; }
                @Override public FlowPath pathFor(Flow opening) { return FlowPath.VERDICT; }
            }
            """;

    @TempDir
    Path dir;

    private static List<HelloHttpServer> servers(NetworkNamespace s, int... ports) throws Exception {
        List<HelloHttpServer> out = new ArrayList<>();
        for (int port : ports) out.add(s.runInside(() -> HelloHttpServer.open("10.79.0.2", port)));
        return out;
    }

    private static ExecResult curl(NetworkNamespace ns, int port) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "http://10.79.0.2:" + port + "/");
    }

    private static NetworkNamespace[] lab(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("fpc"), s = lab.namespace("fps");
        lab.veth(VethEnd.of("fpc", "c-eth", "10.79.0.1/24"), VethEnd.of("fps", "s-eth", "10.79.0.2/24"));
        return new NetworkNamespace[]{c, s};
    }

    @NetnsTest
    void theDaemonRunsThePluginFilterAndRestartsItWhenItThrows(NetnsLab lab) throws Exception {
        NetworkNamespace[] ns = lab(lab);
        NetworkNamespace c = ns[0];
        List<HelloHttpServer> http = servers(ns[1], 8080, 8081, 8082);
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            ProviderJar.write(d.plugins.resolve("port-filter.jar"), "test.PortFilter", PORT_FILTER);
            d.profile("web.yaml", """
                    name: web
                    filter:
                      provider: test.PortFilter
                      settings: { drop-port: 8081, crash-port: 8082 }
                      on-failure: allow
                    """);
            d.profile("pong.yaml", """
                    name: fp-pong
                    tunnel:
                      provider: pong
                      interface: nxfp0
                      settings:
                        addresses: [10.7.15.1/24]
                    """);
            assertThat(d.cli("reload").output()).contains("started fp-pong web");
            d.awaitComponent("web", comp -> comp.path("status").asText().equals("connected"), WAIT);
            d.awaitComponent("fp-pong", comp -> comp.path("status").asText().equals("connected"), WAIT);

            assertThat(curl(c, 8080).output()).contains("hello 10.79.0.2:8080 from");
            ExecResult dropped = curl(c, 8081);
            assertThat(dropped.exitCode()).as(dropped.output()).isEqualTo(56); // connection reset: dropped by the plugin

            // the plugin throws: this flow gets on-failure (allow), the crash is reported, the provider comes back
            ExecResult crashed = curl(c, 8082);
            assertThat(crashed.output()).contains("hello 10.79.0.2:8082 from");
            JsonNode web = d.awaitComponent("web", comp -> comp.path("restarts").asLong() >= 1, WAIT);
            assertThat(web.path("status").asText()).isEqualTo("connected");
            assertThat(web.toString()).contains("crash on purpose for port 8082");
            List<JsonNode> events = d.exportedEvents();
            assertThat(events).anyMatch(e -> e.path("type").asText().equals("ProviderFailed") && e.path("provider").asText().equals("web")
                    && e.path("will_restart").asBoolean() && e.path("message").asText().contains("handleNewFlow threw"));
            assertThat(events).anyMatch(e -> e.path("type").asText().equals("ProviderRestarted") && e.path("provider").asText().equals("web"));
            assertThat(events).noneMatch(e -> e.path("type").asText().equals("ProviderFailed") && e.path("provider").asText().equals("fp-pong"));

            // the fresh instance has its settings again; the other profile's tunnel never stopped answering
            ExecResult droppedAgain = curl(c, 8081);
            assertThat(droppedAgain.exitCode()).as(droppedAgain.output()).isEqualTo(56);
            assertThat(curl(c, 8080).output()).contains("hello 10.79.0.2:8080 from");
            ExecResult ping = c.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "3", "10.7.15.9");
            assertThat(ping.exitCode()).as(ping.output()).isZero();
            assertThat(d.awaitComponent("fp-pong", comp -> true, WAIT).path("restarts").asLong()).isZero();

            assertThat(d.stop()).as(d.process.output()).isZero();
            assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
            assertThat(curl(c, 8081).output()).contains("hello 10.79.0.2:8081 from"); // no filter any more
        } finally {
            for (HelloHttpServer h : http) h.close();
        }
    }

    @NetnsTest
    void netextUpRunsAPluginFilterFromPluginsNextToTheProfile(NetnsLab lab) throws Exception {
        upWithPlugin(lab, "test.PortFilter", PORT_FILTER, false); // the API's defaults: the terminated path
    }

    @NetnsTest
    void aPluginThatAsksForTheFastPathGetsIt(NetnsLab lab) throws Exception {
        upWithPlugin(lab, "test.FastPortFilter", FAST_PORT_FILTER, true);
    }

    /**
     * {@code netext up} with the plugin {@code className} (from {@code plugins/} next to the profile), dropping port
     * 8081: 8080 answers, 8081 is reset. {@code fastPath}: the allowed flow's later packets left the fast path's chain
     * by their connection's accepted mark, so the kernel carried them; else none did (on the terminated path the
     * connection is never marked accepted).
     */
    private void upWithPlugin(NetnsLab lab, String className, String source, boolean fastPath) throws Exception {
        NetworkNamespace[] ns = lab(lab);
        NetworkNamespace c = ns[0];
        List<HelloHttpServer> http = servers(ns[1], 8080, 8081);
        Path profile = dir.resolve("web.yaml");
        ProviderJar.write(dir.resolve("plugins/filter.jar"), className, source);
        Files.writeString(profile, """
                name: web-up
                filter:
                  provider: %s
                  settings: { drop-port: 8081 }
                """.formatted(className));
        try (NetextProcess up = NetextProcess.start(c, "up", "--log", profile.toString())) {
            assertThat(up.awaitLine(l -> l.startsWith("netext: filter") && l.contains("provider " + className), WAIT))
                    .as(up.output()).isPresent();
            assertThat(curl(c, 8080).output()).contains("hello 10.79.0.2:8080 from");
            if (fastPath) assertThat(acceptedByMark(c)).as(up.output()).isPositive();
            else assertThat(acceptedByMark(c)).as(up.output()).isZero();
            assertThat(curl(c, 8081).exitCode()).isEqualTo(56); // reset: dropped by the plugin
            assertThat(up.awaitLine(l -> l.contains("verdict Drop[mode=RESET]"), WAIT)).as(up.output()).isPresent();
            assertThat(up.terminate(WAIT)).isZero();
        } finally {
            for (HelloHttpServer h : http) h.close();
        }
        assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
    }

    /** Packets the fast path's output chain returned to the kernel by their connection's accepted mark. */
    private static long acceptedByMark(NetworkNamespace c) throws Exception {
        String chain = VerdictSteering.chainPrefix(FlowEngine.VERDICT_QUEUE) + "-OUT";
        String mark = "0x" + Integer.toHexString(VerdictSteering.ACCEPTED) + "/0x" + Integer.toHexString(VerdictSteering.FIELD);
        long n = 0;
        for (String line : c.run("iptables", "-t", "filter", "-L", chain, "-v", "-x", "-n").orThrow().output().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[0].matches("\\d+") && f[2].equals("RETURN") && line.contains(mark))
                n += Long.parseLong(f[0]);
        }
        return n;
    }
}
