package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rules filter that names hosts only does not need the process ({@code needsProcess() == false}): the engine
 * decides on the event loop without waiting for attribution. The flow's events must still carry curl as the
 * process and come in order — opened, verdict, closed — with real curl against Python's {@code http.server}.
 */
class DecisionWithoutProcessIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, server;
    private static FlowEngine engine;
    private static Path dir;
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "python3", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        EngineFixture.ClientServer hosts = EngineFixture.clientServer(lab, "10.78.0", null);
        client = hosts.client();
        server = hosts.server();
        dir = Files.createTempDirectory("netext-flow-inline");
        Files.writeString(dir.resolve("hello.txt"), "decided without waiting\n");
        EngineFixture.serveDirectory(server, "10.78.0.2", dir);
        RulesFilter filter = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withHost("*.blocked.test")),
                RuleAction.ALLOW, Duration.ofSeconds(3), FinalVerdict.DROP, DropMode.RESET);
        assertThat(filter.needsProcess()).isFalse();
        FlowEngineConfig config = FlowEngineConfig.defaults("inline-filter", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"));
        engine = EngineFixture.start(client, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        EngineFixture.tearDown(lab, client, engine, dir);
    }

    /** This flow's events, once its FlowClosed is in. */
    private static List<ProviderEvent> eventsOf(String host) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            long id = events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened o && o.flow().hostname()
                    .map(HostnameInfo::hostname).filter(host::equals).isPresent())
                    .mapToLong(e -> ((ProviderEvent.FlowOpened) e).flowId()).findFirst().orElse(-1);
            if (id >= 0 && events.stream().anyMatch(e -> e instanceof ProviderEvent.FlowClosed c && c.flowId() == id))
                return EngineFixture.eventsOf(events, id);
            Thread.sleep(20);
        }
        throw new AssertionError("no complete flow for " + host + " in " + events);
    }

    @Test
    void allowedFlowIsRelayedAndItsEventsCarryTheProcessInOrder() throws Exception {
        ExecResult r = client.run(Duration.ofSeconds(20), "curl", "-s", "--max-time", "10", "--resolve",
                "files.ok.test:80:10.78.0.2", "http://files.ok.test/hello.txt");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("decided without waiting");
        List<ProviderEvent> flow = eventsOf("files.ok.test");
        assertThat(flow).hasSize(3);
        assertThat(flow.get(0)).isInstanceOf(ProviderEvent.FlowOpened.class);
        assertThat(((ProviderEvent.FlowOpened) flow.get(0)).flow().process().executable())
                .contains(Path.of("/usr/bin/curl").toRealPath());
        assertThat(flow.get(1)).isInstanceOfSatisfying(ProviderEvent.FlowVerdict.class,
                v -> assertThat(v.verdict()).isEqualTo(FinalVerdict.ALLOW));
        assertThat(flow.get(2)).isInstanceOfSatisfying(ProviderEvent.FlowClosed.class,
                c -> assertThat(c.inboundBytes()).isGreaterThan(20));
    }

    @Test
    void blockedHostIsStillResetAndAttributed() throws Exception {
        ExecResult r = client.run(Duration.ofSeconds(20), "curl", "-s", "--max-time", "10", "--resolve",
                "x.blocked.test:80:10.78.0.2", "http://x.blocked.test/hello.txt");
        assertThat(r.exitCode()).as(r.output()).isIn(52, 56); // empty reply / recv failure: connection reset
        List<ProviderEvent> flow = eventsOf("x.blocked.test");
        assertThat(((ProviderEvent.FlowOpened) flow.get(0)).flow().process().executable())
                .contains(Path.of("/usr/bin/curl").toRealPath());
        assertThat(flow.get(1)).isInstanceOfSatisfying(ProviderEvent.FlowVerdict.class,
                v -> assertThat(v.verdict()).isEqualTo(FinalVerdict.DROP));
    }
}
