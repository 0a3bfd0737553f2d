package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.control.ControlException;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §4–5 beyond tunnels: app messages to a custom flow filter (a plugin jar built here) under the daemon, with
 * the in-flight cap and the time limit — eight messages stuck in the provider (it ignores the host's interrupt) time
 * out, a ninth is refused at once as busy, and meanwhile the provider keeps deciding real curl flows; a flow it sees
 * frees the stuck calls, and messages are answered again. Settings the host cannot apply are never silently dropped: a
 * custom tunnel provider's runtime proxy settings, in a namespace that shares {@code /etc/profile.d} with the host,
 * are left out with a {@code tunnel.settings-refused} event while its addresses are applied.
 */
class ProviderMessagesIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Counts flows; "count" answers how many; "stuck" waits, deaf to interrupts, until a flow to port 8081. */
    private static final String FILTER = """
            package msgs;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.nio.charset.StandardCharsets;
            import java.util.Map;
            import java.util.concurrent.CountDownLatch;
            import java.util.concurrent.TimeUnit;
            import java.util.concurrent.atomic.AtomicInteger;
            public class CountingFilter implements FilterDataProvider {
                private static final CountDownLatch RELEASE = new CountDownLatch(1);
                private final AtomicInteger flows = new AtomicInteger();
                @Override public void startFilter(FilterContext context, Map<String, Object> options) {}
                @Override public void stopFilter(StopReason reason) {}
                @Override public boolean needsProcess() { return false; }
                @Override public FilterVerdict handleNewFlow(Flow flow) {
                    flows.incrementAndGet();
                    if (flow.remote().port() == 8081) RELEASE.countDown();
                    return FinalVerdict.ALLOW;
                }
                @Override public byte[] handleAppMessage(byte[] message) {
                    String m = new String(message, StandardCharsets.UTF_8);
                    while (m.equals("stuck")) {
                        try {
                            if (RELEASE.await(1, TimeUnit.MINUTES)) return "released".getBytes(StandardCharsets.UTF_8);
                        } catch (InterruptedException e) {
                            // deaf to the host's interrupt: the call keeps its thread
                        }
                    }
                    if (m.equals("count")) return Integer.toString(flows.get()).getBytes(StandardCharsets.UTF_8);
                    throw new IllegalArgumentException("unknown message " + m);
                }
            }
            """;

    /** Applies the profile's settings with an HTTP proxy added, as a provider may at run time. */
    private static final String PROXY_TUNNEL = """
            package msgs;
            import dev.netext.api.tunnel.*;
            import java.util.List;
            import java.util.Map;
            public class ProxyTunnel implements PacketTunnelProvider {
                @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                    TunnelNetworkSettings s = context.profileSettings();
                    context.setTunnelNetworkSettings(new TunnelNetworkSettings(s.addresses(), s.includedRoutes(),
                            s.excludedRoutes(), s.mtu(), s.dns(),
                            new ProxySettings(null, "10.7.31.80:3128", "10.7.31.80:3128", List.of("*.lan"))));
                }
                @Override public void stopTunnel(StopReason reason) {}
            }
            """;

    @TempDir
    Path dir;

    @NetnsTest
    void aCustomFilterGetsMessagesCappedAndTimeLimitedAndRefusedSettingsAreReported(NetnsLab lab) throws Exception {
        HostPackages.require("curl");
        NetworkNamespace c = lab.namespace("pmc"), s = lab.namespace("pms");
        lab.veth(VethEnd.of("pmc", "c-eth", "10.81.0.1/24"), VethEnd.of("pms", "s-eth", "10.81.0.2/24"));
        List<HelloHttpServer> http = new ArrayList<>();
        for (int port : new int[]{8080, 8081}) http.add(s.runInside(() -> HelloHttpServer.open("10.81.0.2", port)));
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            ProviderJar.write(d.plugins.resolve("counting-filter.jar"), "msgs.CountingFilter", FILTER);
            ProviderJar.write(d.plugins.resolve("proxy-tunnel.jar"), "msgs.ProxyTunnel", PROXY_TUNNEL);
            d.profile("web.yaml", """
                    name: web
                    filter:
                      provider: msgs.CountingFilter
                      on-failure: allow
                    """);
            d.profile("vpn.yaml", """
                    name: vpn
                    tunnel:
                      provider: msgs.ProxyTunnel
                      interface: nxpm0
                      settings:
                        addresses: [10.7.31.1/24]
                    """);
            assertThat(d.cli("reload").output()).contains("started vpn web");
            d.awaitComponent("web", ProviderMessagesIntegrationTest::connected, WAIT);
            d.awaitComponent("vpn", ProviderMessagesIntegrationTest::connected, WAIT);

            // a round trip to the filter: the profile's only provider, and by name
            assertThat(curl(c, 8080).output()).contains("hello 10.81.0.2:8080 from");
            assertThat(cliMessage(d, "web", "--data", "count")).isEqualTo("1");
            assertThat(cliMessage(d, "web", "--provider", "filter", "--data", "count")).isEqualTo("1");
            NetextProcess noSuch = d.cli("message", "web", "--provider", "dns", "--data", "count");
            assertThat(noSuch.waitFor(WAIT)).as(noSuch.output()).isEqualTo(MessageCommand.NO_SUCH_PROFILE);
            assertThat(noSuch.output()).contains("profile web has no provider 'dns' (it has: filter)");

            // eight stuck messages time out and keep their places; a ninth is refused at once
            List<Future<JsonNode>> stuck = new ArrayList<>();
            for (int i = 0; i < 8; i++) stuck.add(callers.submit(() -> message(d, "web", "stuck", 1000)));
            for (Future<JsonNode> f : stuck) {
                JsonNode r = f.get();
                assertThat(r.path("reason").asText()).as(r.toString()).isEqualTo("timeout");
                assertThat(r.path("error").asText()).isEqualTo("provider web filter: handleAppMessage did not return within 1000 ms");
            }
            long t0 = System.nanoTime();
            JsonNode busy = message(d, "web", "count", 5000);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused before any call").isLessThan(Duration.ofSeconds(1));
            assertThat(busy.path("reason").asText()).as(busy.toString()).isEqualTo("busy");
            assertThat(busy.path("error").asText())
                    .isEqualTo("provider web filter: handleAppMessage refused: 8 calls are running in the provider already (the limit)");
            NetextProcess busyCli = d.cli("message", "web", "--data", "count");
            assertThat(busyCli.waitFor(WAIT)).as(busyCli.output()).isEqualTo(MessageCommand.TIMED_OUT);

            // the provider's flow decisions never wait for its stuck messages; a flow to 8081 frees them
            assertThat(curl(c, 8080).output()).contains("hello 10.81.0.2:8080 from");
            assertThat(curl(c, 8081).output()).contains("hello 10.81.0.2:8081 from");
            long deadline = System.nanoTime() + WAIT.toNanos();
            JsonNode again = message(d, "web", "count", 5000);
            while (!again.path("ok").asBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                again = message(d, "web", "count", 5000);
            }
            assertThat(again.path("ok").asBoolean()).as(again.toString()).isTrue();
            assertThat(new String(Base64.getDecoder().decode(again.path("data").asText()), StandardCharsets.UTF_8)).isEqualTo("3");
            JsonNode web = d.profileStatus("web").path("components").get(0);
            assertThat(web.path("restarts").asLong()).as("failed messages are no crash").isZero();

            List<JsonNode> events = d.exportedEvents();
            assertThat(events).filteredOn(e -> e.path("message_type").asText().equals("provider.message-failed"))
                    .extracting(e -> e.path("attributes").path("error_type").asText())
                    .contains("TimeoutException", "RejectedExecutionException");

            // the tunnel provider's proxy: this namespace shares /etc/profile.d with the host, so it is left out and
            // reported (never written where every host session would get it), and its addresses are applied
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("provider").asText()).isEqualTo("vpn");
                assertThat(e.path("message_type").asText()).isEqualTo("tunnel.settings-refused");
                assertThat(e.path("attributes").path("setting").asText()).isEqualTo("proxy");
                assertThat(e.path("attributes").path("value").asText())
                        .isEqualTo("http 10.7.31.80:3128, https 10.7.31.80:3128, except *.lan");
                assertThat(e.path("attributes").path("reason").asText())
                        .startsWith("this network namespace shares /etc/profile.d with the host's");
            });
            assertThat(c.run("ip", "-4", "addr", "show", "nxpm0").output()).contains("10.7.31.1/24");
            assertThat(d.profileStatus("vpn").path("components").get(0).path("status").asText()).isEqualTo("connected");

            assertThat(d.stop()).as(d.process.output()).isZero();
        } finally {
            callers.shutdownNow();
            for (HelloHttpServer h : http) h.close();
        }
    }

    /** One message over the control socket, as netext message sends it: the daemon's reply, whatever it is. */
    private static JsonNode message(DaemonUnderTest d, String name, String data, long timeoutMs) throws Exception {
        try (ControlClient client = ControlClient.connect(d.socket)) {
            var req = ControlClient.mapper().createObjectNode().put("op", "message").put("name", name)
                    .put("data", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)))
                    .put("timeout_ms", timeoutMs);
            return client.call(req);
        } catch (ControlException e) {
            return e.reply();
        }
    }

    private static String cliMessage(DaemonUnderTest d, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "message";
        System.arraycopy(args, 0, all, 1, args.length);
        NetextProcess p = d.cli(all);
        assertThat(p.waitFor(WAIT)).as(String.join(" ", all) + ": " + p.output()).isZero();
        return p.output().strip();
    }

    private static ExecResult curl(NetworkNamespace ns, int port) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "http://10.81.0.2:" + port + "/");
    }

    private static boolean connected(JsonNode c) { return c.path("status").asText().equals("connected"); }
}
