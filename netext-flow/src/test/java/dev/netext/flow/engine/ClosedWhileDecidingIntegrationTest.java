package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.tunnel.StopReason;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that resets its connection while the filter is still deciding its flow (a filter slower than the client's
 * patience):
 * the flow's events still end with its {@code FlowClosed}, after its opened and verdict events, and the filter hears
 * {@code handleFlowClosed} — a flow table (the dashboard's, {@code netext flows}) never keeps a flow open that is gone.
 */
class ClosedWhileDecidingIntegrationTest {
    private static final Duration DECISION = Duration.ofMillis(2500);
    private static NetnsLab lab;
    private static NetworkNamespace client, server;
    private static FlowEngine engine;
    private static Path dir;
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private static final List<Long> closedByFilter = new CopyOnWriteArrayList<>();

    /** Takes {@link #DECISION} to allow a flow to *.slow.test; on a decider thread (it does not decide inline). */
    static final class SlowFilter implements FilterDataProvider {
        @Override public void startFilter(FilterContext context, Map<String, Object> options) { }

        @Override public void stopFilter(StopReason reason) { }

        @Override
        public FilterVerdict handleNewFlow(Flow flow) {
            if (flow.hostname().map(HostnameInfo::hostname).filter(h -> h.endsWith(".slow.test")).isPresent()) {
                try {
                    Thread.sleep(DECISION);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return FinalVerdict.ALLOW;
        }

        @Override
        public void handleFlowClosed(Flow flow, long inboundBytes, long outboundBytes) { closedByFilter.add(flow.id()); }
    }

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "python3", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        EngineFixture.ClientServer hosts = EngineFixture.clientServer(lab, "10.77.0", null);
        client = hosts.client();
        server = hosts.server();
        dir = Files.createTempDirectory("netext-flow-slow");
        Files.writeString(dir.resolve("hello.txt"), "decided in time\n");
        EngineFixture.serveDirectory(server, "10.77.0.2", dir);
        FlowEngineConfig config = FlowEngineConfig.defaults("slow-filter", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"));
        engine = EngineFixture.start(client, config, new SlowFilter(), List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        EngineFixture.tearDown(lab, client, engine, dir);
    }

    @Test
    void aFlowClosedWhileItsFilterDecidesStillEndsWithItsClose() throws Exception {
        // the client sends its request, then resets the connection (SO_LINGER 0) long before the verdict
        ExecResult r = client.run(Duration.ofSeconds(20), "python3", "-c", """
                import socket, struct, time
                s = socket.create_connection(("10.77.0.2", 80))
                s.sendall(b"GET /hello.txt HTTP/1.1\\r\\nHost: x.slow.test\\r\\n\\r\\n")
                time.sleep(0.5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                """);
        assertThat(r.exitCode()).as(r.output()).isZero();
        long id = -1;
        for (int i = 0; i < 300 && id < 0; i++) {
            id = events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened o && o.flow().hostname()
                            .map(HostnameInfo::hostname).filter("x.slow.test"::equals).isPresent())
                    .mapToLong(e -> ((ProviderEvent.FlowOpened) e).flowId()).findFirst().orElse(-1);
            if (id < 0) Thread.sleep(20);
        }
        assertThat(id).as("opened event in %s", events).isPositive();
        long flowId = id;
        List<ProviderEvent> flow = List.of();
        for (int i = 0; i < 300; i++) { // the verdict comes DECISION after the flow opened, the close right after
            flow = EngineFixture.eventsOf(events, flowId);
            if (flow.size() >= 3) break;
            Thread.sleep(20);
        }
        assertThat(flow).as("events of flow %d", flowId).hasSize(3);
        assertThat(flow.get(0)).isInstanceOf(ProviderEvent.FlowOpened.class);
        assertThat(flow.get(1)).isInstanceOfSatisfying(ProviderEvent.FlowVerdict.class,
                v -> assertThat(v.verdict()).isEqualTo(FinalVerdict.ALLOW));
        assertThat(flow.get(2)).isInstanceOfSatisfying(ProviderEvent.FlowClosed.class, c -> {
            assertThat(c.outboundBytes()).isZero(); // nothing reached the server: the flow was gone when allowed
            assertThat(c.inboundBytes()).isZero();
        });
        assertThat(closedByFilter).contains(flowId);
    }
}
