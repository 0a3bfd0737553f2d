package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.ProcessInfo;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flow layer end to end with real clients and servers: namespace {@code client} runs curl and the engine (TPROXY
 * interception of everything curl sends), namespace {@code server} runs {@code openssl s_server} (HTTPS) and
 * Python's {@code http.server} (HTTP). curl connects by address ({@code --resolve}); the name comes from SNI or Host.
 */
class InterceptionIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, server;
    private static FlowEngine engine;
    private static Path dir;
    private static Path httpLog;
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "openssl", "python3", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        EngineFixture.ClientServer hosts = EngineFixture.clientServer(lab, "10.77.0", "fd77::");
        client = hosts.client();
        server = hosts.server();
        dir = Files.createTempDirectory("netext-flow-it");
        server.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-days", "1", "-nodes", "-subj", "/CN=netext-test").orThrow();
        server.exec("openssl", "s_server", "-accept", "443", "-cert", dir.resolve("cert.pem").toString(),
                "-key", dir.resolve("key.pem").toString(), "-www", "-quiet");
        httpLog = dir.resolve("http.log");
        // exec (not command): the lab tracks it and kills it at close; sh execs into python, keeping the pid
        server.exec("sh", "-c", "exec /usr/bin/python3 -m http.server 80 --bind :: --directory '" + dir + "' > '"
                + httpLog + "' 2>&1");
        Files.writeString(dir.resolve("hello.txt"), "hello through netext\n");
        EngineFixture.awaitTcpListening(server, 443);
        EngineFixture.awaitTcpListening(server, 80);
        List<FlowRule> rules = List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.PROMPT).withHost("*.prompt.test"));
        RulesFilter filter = new RulesFilter(rules, RuleAction.ALLOW, Duration.ofSeconds(3), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("test-filter", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"));
        engine = EngineFixture.start(client, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        EngineFixture.tearDown(lab, client, engine, dir);
    }

    @BeforeEach
    void clearEvents() { events.clear(); }

    private static ExecResult curl(String... args) throws Exception { return EngineFixture.curl(client, args); }

    private static ProviderEvent.FlowOpened opened(String host) throws InterruptedException {
        return EngineFixture.awaitOpened(events, EngineFixture.named(host));
    }

    private static List<FilterVerdict> verdicts(long flowId) { return EngineFixture.verdicts(events, flowId); }

    private static ProviderEvent.FlowClosed closed(long flowId) throws InterruptedException {
        return EngineFixture.awaitClosed(events, flowId);
    }

    @Test
    void allowedHttpsByAddressIsNamedBySniAttributedToCurlAndRelayed() throws Exception {
        ExecResult r = curl("-sk", "--max-time", "10", "--resolve", "www.ok.test:443:10.77.0.2", "https://www.ok.test/");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("s_server"); // the -www status page came back through the relay
        ProviderEvent.FlowOpened o = opened("www.ok.test");
        assertThat(o.flow().hostname()).contains(new HostnameInfo("www.ok.test", HostnameInfo.Source.TLS_SNI));
        assertThat(o.flow().remote().toString()).isEqualTo("10.77.0.2:443");
        ProcessInfo p = o.flow().process();
        assertThat(p.executable()).contains(Path.of("/usr/bin/curl").toRealPath());
        assertThat(p.pid()).isPresent();
        assertThat(p.commandLine()).contains("https://www.ok.test/");
        assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
        ProviderEvent.FlowClosed c = closed(o.flowId());
        assertThat(c.inboundBytes()).isGreaterThan(500);
        assertThat(c.outboundBytes()).isGreaterThan(100);
    }

    @Test
    void blockedHostByAddressIsResetFast() throws Exception {
        long t0 = System.nanoTime();
        ExecResult r = curl("-sk", "--max-time", "10", "--resolve", "x.blocked.test:443:10.77.0.2", "https://x.blocked.test/");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exitCode()).as(r.output()).isIn(35, 56); // TLS connect error / recv failure: connection reset
        assertThat(millis).isLessThan(5_000);
        ProviderEvent.FlowOpened o = opened("x.blocked.test");
        assertThat(o.flow().hostname().orElseThrow().source()).isEqualTo(HostnameInfo.Source.TLS_SNI);
        assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
    }

    @Test
    void plainHttpIsNamedByHostAndRelayedOverIpv6() throws Exception {
        ExecResult r = curl("-s", "--max-time", "10", "--resolve", "files.ok.test:80:[fd77::2]", "http://files.ok.test/hello.txt");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("hello through netext");
        ProviderEvent.FlowOpened o = opened("files.ok.test");
        assertThat(o.flow().hostname().orElseThrow().source()).isEqualTo(HostnameInfo.Source.HTTP_HOST);
        assertThat(o.flow().remote().toString()).isEqualTo("[fd77::2]:80");
    }

    @Test
    void pausedFlowPassesNoByteUntilResumed() throws Exception {
        Process curl = client.exec("curl", "-s", "--max-time", "15", "--resolve", "a.prompt.test:80:10.77.0.2",
                "http://a.prompt.test/hello.txt?resumed");
        ProviderEvent.FlowOpened o = opened("a.prompt.test");
        for (int i = 0; i < 100 && !engine.pausedFlows().contains(o.flowId()); i++) Thread.sleep(10);
        assertThat(engine.pausedFlows()).contains(o.flowId());
        Thread.sleep(500);
        // nothing reached the server: no connection, no request line
        assertThat(server.run("ss", "-Htn", "state", "established", "sport = :80").output()).isBlank();
        assertThat(Files.readString(httpLog)).doesNotContain("resumed");
        assertThat(curl.isAlive()).isTrue();
        assertThat(events).anyMatch(e -> e instanceof ProviderEvent.ProviderMessage m && m.type().equals("filter.prompt")
                && m.flowId() == o.flowId());
        assertThat(engine.control().resume(o.flowId(), FinalVerdict.ALLOW)).isTrue();
        assertThat(curl.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).isZero();
        assertThat(new String(curl.getInputStream().readAllBytes())).contains("hello through netext");
        assertThat(Files.readString(httpLog)).contains("resumed");
        assertThat(engine.control().resume(o.flowId(), FinalVerdict.ALLOW)).isFalse(); // no longer paused
    }

    @Test
    void pausedFlowGetsTheDefaultVerdictOnTimeout() throws Exception {
        long t0 = System.nanoTime();
        ExecResult r = curl("-s", "--max-time", "15", "--resolve", "b.prompt.test:80:10.77.0.2",
                "http://b.prompt.test/hello.txt?timedout");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exitCode()).isNotZero();
        assertThat(millis).isBetween(2_500L, 8_000L); // the 3 s prompt timeout, then the default: drop
        ProviderEvent.FlowOpened o = opened("b.prompt.test");
        assertThat(verdicts(o.flowId())).hasSize(2);
        assertThat(verdicts(o.flowId()).get(0)).isInstanceOf(FilterVerdict.Pause.class);
        assertThat(verdicts(o.flowId()).get(1)).isEqualTo(FinalVerdict.DROP);
        assertThat(Files.readString(httpLog)).doesNotContain("timedout");
    }

    /**
     * Malformed first bytes (mutated curl ClientHellos and HTTP heads, random bytes, truncations, nothing at all)
     * from a client socket in the intercepted namespace: each flow is decided and relayed or closed, none is left
     * hanging, and real clients keep working.
     */
    @Test
    void malformedFirstBytesNeverWedgeTheEngine() throws Exception {
        List<byte[]> seeds = List.of(dev.netext.wire.peek.PeekVectors.load("curl-tls13-clienthello.hex"),
                dev.netext.wire.peek.PeekVectors.load("curl-http-get.hex"));
        java.util.Random r = new java.util.Random(4242);
        client.runInside(() -> {
            for (int i = 0; i < 40; i++) {
                byte[] b;
                if (i % 10 == 9) b = new byte[0];
                else if (i % 10 == 8) { b = new byte[1 + r.nextInt(3000)]; r.nextBytes(b); }
                else {
                    byte[] seed = seeds.get(i % 2);
                    b = java.util.Arrays.copyOf(seed, 1 + r.nextInt(seed.length));
                    for (int k = r.nextInt(8); k >= 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress("10.77.0.2", i % 2 == 0 ? 443 : 80), 3000);
                    s.setSoTimeout(2000);
                    s.getOutputStream().write(b);
                    s.shutdownOutput();
                    try {
                        s.getInputStream().readAllBytes();
                    } catch (java.io.IOException expected) {
                        // the server (or netext, for a flow it could not relay) may reset
                    }
                }
            }
            return null;
        });
        // the fuzz flows are this JVM's sockets: count only those (another test's late event must not count)
        int self = (int) ProcessHandle.current().pid();
        java.util.function.Supplier<java.util.Set<Long>> mine = () -> events.stream()
                .filter(e -> e instanceof ProviderEvent.FlowOpened o && o.flow().process().pid().orElse(-1) == self)
                .map(e -> ((ProviderEvent.FlowOpened) e).flowId()).collect(java.util.stream.Collectors.toSet());
        java.util.function.Supplier<Long> closedMine = () -> events.stream()
                .filter(e -> e instanceof ProviderEvent.FlowClosed c && mine.get().contains(c.flowId())).count();
        for (int i = 0; i < 200 && closedMine.get() < 40; i++) Thread.sleep(50);
        assertThat(mine.get()).hasSize(40);
        assertThat(closedMine.get()).isEqualTo(40);
        assertThat(engine.pausedFlows()).isEmpty();
        ExecResult ok = curl("-s", "--max-time", "10", "--resolve", "after.ok.test:80:10.77.0.2", "http://after.ok.test/hello.txt");
        assertThat(ok.output()).contains("hello through netext");
    }

    @Test
    void interceptionIsInstalled() throws Exception {
        assertThat(client.run("nft", "list", "table", "inet", "netext-flow").output()).contains("tproxy ip to 127.0.0.1:");
        assertThat(client.ip("rule").output()).contains("fwmark 0x4e580f01 lookup 52101");
        assertThat(client.ip("route", "show", "table", "52101").output()).contains("local default dev lo");
    }
}
