package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.AppRule;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyRoute;
import dev.netext.api.proxy.ProxyRules;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.ExecResult;
import dev.netext.lab.ProxyTopology;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ordered proxy chain with real proxies. Namespaces: {@code client} (curl + the engine), {@code origin} (Python
 * http.server on 8081 and 8082, logging each request with its peer address), {@code socks} (Debian's microsocks) and
 * {@code web} (Debian's tinyproxy, an HTTP CONNECT proxy). The client and each proxy reach the origin's service
 * address 10.78.9.2 over a link of their own, so the origin's log tells by which path a request came: the client's
 * address (direct), the SOCKS server's or the HTTP proxy's.
 *
 * <p>Chain: {@code picky} (order 0, takes every flow's offer and declines it), {@code first} (order 1, HTTP CONNECT via
 * tinyproxy; includes the origin network, excludes port 8081), {@code second} (order 2, SOCKS5 via microsocks with
 * username/password; port 8081, only for /usr/bin/curl), {@code wrong-password} (order 3, the same server with a wrong
 * password; port 8084).
 */
class ProxyChainIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, origin, socks, web;
    private static FlowEngine engine;
    private static Path dir, hostsDir, webHostsDir;
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private static final List<Long> pickyOffers = new CopyOnWriteArrayList<>();
    private static final String SOCKS_PASSWORD = "pw-" + Long.toHexString(new java.util.Random().nextLong());

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "python3", "nft", "microsocks", "tinyproxy"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        ProxyTopology t = ProxyTopology.create(lab, "10.78"); // 10.78.9.2 routed from the client and socks
        client = t.client();
        origin = t.origin();
        socks = t.socks();
        web = lab.namespace("web");
        client.ip("-6", "addr", "add", "fd78:1::1/64", "dev", "co0", "nodad").orThrow();
        origin.ip("-6", "addr", "add", "fd78:1::2/64", "dev", "oc0", "nodad").orThrow();
        lab.veth(VethEnd.of("client", "cw0", "10.78.4.1/24"), VethEnd.of("web", "wc0", "10.78.4.2/24"));
        lab.veth(VethEnd.of("web", "wo0", "10.78.5.1/24"), VethEnd.of("origin", "ow0", "10.78.5.2/24"));
        // more service addresses on the origin's loopback: 10.78.9.2 from the web proxy too (over its own link),
        // 10.78.7.2 and fd78:9::2 from the client only
        origin.ip("addr", "add", "10.78.7.2/32", "dev", "lo").orThrow();
        origin.ip("-6", "addr", "add", "fd78:9::2/128", "dev", "lo").orThrow();
        client.ip("route", "add", "10.78.7.0/24", "via", "10.78.1.2").orThrow();
        client.ip("-6", "route", "add", "fd78:9::/64", "via", "fd78:1::2").orThrow();
        web.ip("route", "add", "10.78.9.0/24", "via", "10.78.5.2").orThrow();
        dir = Files.createTempDirectory("netext-proxy-it");
        Files.writeString(dir.resolve("hello.txt"), "hello from the origin\n");
        for (int port : new int[]{8081, 8082})
            origin.exec("sh", "-c", "exec /usr/bin/python3 -m http.server " + port + " --bind :: --directory '" + dir
                    + "' > '" + dir.resolve("origin-" + port + ".log") + "' 2>&1");
        // ip netns exec bind-mounts /etc/netns/NAME/hosts over /etc/hosts: microsocks resolves the name to the
        // origin's address on the socks link (the client-side address is unreachable from there)
        hostsDir = Path.of("/etc/netns", socks.name());
        Files.createDirectories(hostsDir);
        Files.writeString(hostsDir.resolve("hosts"), "10.78.9.2 named.origin.test\n");
        webHostsDir = Path.of("/etc/netns", web.name());
        Files.createDirectories(webHostsDir);
        Files.writeString(webHostsDir.resolve("hosts"), "10.78.9.2 named.web.test\n");
        socks.exec("sh", "-c", "exec /usr/bin/microsocks -i 10.78.2.2 -p 1080 -u netext -P '" + SOCKS_PASSWORD + "' > '"
                + dir.resolve("microsocks.log") + "' 2>&1");
        Files.writeString(dir.resolve("tinyproxy.conf"), """
                User nobody
                Group nogroup
                Port 3128
                Listen 10.78.4.2
                Timeout 30
                MaxClients 20
                LogLevel Info
                Allow 10.78.4.0/24
                """);
        web.exec("sh", "-c", "exec /usr/bin/tinyproxy -d -c '" + dir.resolve("tinyproxy.conf") + "' > '"
                + dir.resolve("tinyproxy.log") + "' 2>&1");
        EngineFixture.awaitTcpListening(origin, 8081);
        EngineFixture.awaitTcpListening(origin, 8082);
        EngineFixture.awaitTcpListening(socks, 1080);
        EngineFixture.awaitTcpListening(web, 3128);

        FlowProxy picky = new FlowProxy() {
            private final ProxyChain.Member member = new ProxyChain.Member("picky", ProviderKind.TRANSPARENT_PROXY, 0,
                    ProxyRules.including(NetworkRule.any()));
            @Override public ProxyChain.Member member() { return member; }
            @Override public ProxyServer server() { return new ProxyServer.Socks5(Endpoint.parse("192.0.2.1:1"), Optional.empty()); }
            @Override public ClaimDecision handleNewFlow(Flow flow) {
                pickyOffers.add(flow.id());
                return ClaimDecision.DECLINE;
            }
        };
        FlowProxy first = new FlowProxy.Upstream(new ProxyChain.Member("first", ProviderKind.TRANSPARENT_PROXY, 1,
                ProxyRules.including(NetworkRule.toNetwork(IpPrefix.parse("10.78.9.0/24"), TransportProtocol.TCP),
                                NetworkRule.toHost("*.web.test", TransportProtocol.TCP))
                        .excluding(NetworkRule.any().withRemotePorts(PortRange.of(8081)))),
                new ProxyServer.HttpConnect(Endpoint.parse("10.78.4.2:3128")));
        FlowProxy second = new FlowProxy.Upstream(new ProxyChain.Member("second", ProviderKind.APP_PROXY, 2,
                new ProxyRules(List.of(NetworkRule.any().withRemotePorts(PortRange.of(8081))), List.of(),
                        List.of(AppRule.executable(Path.of("/usr/bin/curl").toRealPath())))),
                new ProxyServer.Socks5(Endpoint.parse("10.78.2.2:1080"),
                        Optional.of(new dev.netext.flow.proxy.Socks5Credentials("netext", SOCKS_PASSWORD))));
        FlowProxy wrongPassword = new FlowProxy.Upstream(new ProxyChain.Member("wrong-password",
                ProviderKind.TRANSPARENT_PROXY, 3, ProxyRules.including(NetworkRule.any().withRemotePorts(PortRange.of(8084)))),
                new ProxyServer.Socks5(Endpoint.parse("10.78.2.2:1080"),
                        Optional.of(new dev.netext.flow.proxy.Socks5Credentials("netext", "not-" + SOCKS_PASSWORD))));
        RulesFilter filter = new RulesFilter(List.of(), RuleAction.ALLOW, Duration.ofSeconds(3), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("proxy-test", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"));
        // listed out of order on purpose: the chain sorts by order
        engine = EngineFixture.start(client, config, filter, List.of(second, wrongPassword, picky, first), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            EngineFixture.closeChecked(client, engine);
        } finally {
            if (lab != null) lab.close();
            for (Path d : new Path[]{hostsDir, webHostsDir}) {
                if (d == null) continue;
                Files.deleteIfExists(d.resolve("hosts"));
                Files.deleteIfExists(d);
            }
            EngineFixture.deleteTree(dir);
        }
    }

    @BeforeEach
    void clearEvents() { events.clear(); }

    private static ExecResult curl(String... args) throws Exception { return EngineFixture.curl(client, args); }

    /** The origin's access-log line for {@code path} (python logs "PEER - - [date] "GET PATH HTTP/1.1" 200 -"). */
    private static String originLogLine(int port, String path) throws Exception {
        for (int i = 0; i < 100; i++) {
            for (String line : Files.readAllLines(dir.resolve("origin-" + port + ".log")))
                if (line.contains("GET " + path + " ")) return line;
            Thread.sleep(20);
        }
        throw new AssertionError("origin never logged " + path + ": " + Files.readString(dir.resolve("origin-" + port + ".log")));
    }

    private static long flowOf(String path) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowOpened o && o.flow().process().commandLine().stream().anyMatch(a -> a.contains(path)))
                    return o.flowId();
            Thread.sleep(20);
        }
        throw new AssertionError("no flow for " + path + " in " + events);
    }

    /** The proxy-chain decisions about {@code flowId}, as "provider: verdict", in event order. */
    private static List<String> decisions(long flowId) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<String> d = events.stream()
                    .filter(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == flowId
                            && !(v.verdict() instanceof dev.netext.api.filter.FilterVerdict))
                    .map(e -> ((ProviderEvent.FlowVerdict) e).provider() + ": " + ((ProviderEvent.FlowVerdict) e).verdict())
                    .toList();
            if (d.stream().anyMatch(s -> s.startsWith("proxy-test:"))) return d;
            Thread.sleep(20);
        }
        throw new AssertionError("no route event for flow " + flowId + ": " + events);
    }

    @Test
    void firstExcludesByPortSecondClaimsAndRelaysThroughMicrosocks() throws Exception {
        ExecResult r = curl("-s", "--max-time", "10", "-w", "\n%{size_request} %{size_header} %{size_download}",
                "http://10.78.9.2:8081/hello.txt?via-socks");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("hello from the origin");
        String[] sizes = r.output().strip().lines().reduce((a, b) -> b).orElseThrow().split(" ");
        // the origin saw the SOCKS server's address, not the client's: the bytes went through microsocks
        assertThat(originLogLine(8081, "/hello.txt?via-socks")).startsWith("::ffff:10.78.3.1 ");
        long id = flowOf("via-socks");
        assertThat(decisions(id)).containsExactly("picky: Decline[]", "second: Claim[]", "proxy-test: proxy second");
        assertThat(pickyOffers).contains(id);
        // the flow's byte counts are the application's, without the SOCKS negotiation (spliced: from TCP_INFO)
        ProviderEvent.FlowClosed closed = null;
        for (int i = 0; i < 200 && closed == null; i++) {
            closed = events.stream().filter(e -> e instanceof ProviderEvent.FlowClosed c && c.flowId() == id)
                    .map(e -> (ProviderEvent.FlowClosed) e).findFirst().orElse(null);
            if (closed == null) Thread.sleep(20);
        }
        assertThat(closed).isNotNull();
        // TCP_INFO's counters also count SYN and FIN (a direct flow shows the same +2/+1); the SOCKS negotiation
        // (about 40 bytes out, 12 in) must not appear
        long request = Long.parseLong(sizes[0]), response = Long.parseLong(sizes[1]) + Long.parseLong(sizes[2]);
        assertThat(closed.outboundBytes()).isBetween(request, request + 2);
        assertThat(closed.inboundBytes()).isBetween(response, response + 2);
    }

    @Test
    void hostnameKnownFromTheFlowIsSentAsSocksDomainName() throws Exception {
        // the socks namespace cannot reach 10.78.7.2: only CONNECT by name (resolved there to 10.78.9.2) can succeed
        ExecResult r = curl("-s", "--max-time", "10", "--resolve", "named.origin.test:8081:10.78.7.2",
                "http://named.origin.test:8081/hello.txt?by-name");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("hello from the origin");
        assertThat(originLogLine(8081, "/hello.txt?by-name")).startsWith("::ffff:10.78.3.1 ");
        assertThat(decisions(flowOf("by-name"))).endsWith("second: Claim[]", "proxy-test: proxy second");
    }

    @Test
    void firstClaimsItsNetworkAndTunnelsThroughTinyproxyConnect() throws Exception {
        ExecResult r = curl("-s", "--max-time", "10", "http://10.78.9.2:8082/hello.txt?via-http");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("hello from the origin");
        assertThat(originLogLine(8082, "/hello.txt?via-http")).startsWith("::ffff:10.78.5.1 ");
        assertThat(decisions(flowOf("via-http"))).containsExactly("picky: Decline[]", "first: Claim[]", "proxy-test: proxy first");
        assertThat(Files.readString(dir.resolve("tinyproxy.log"))).contains("CONNECT");
    }

    @Test
    void aHostRuleSelectsByNameAndTinyproxyConnectsByName() throws Exception {
        // 10.78.7.2 is outside first's network and unreachable from the web namespace: only the host rule can select
        // the flow, and only CONNECT by name (resolved there to 10.78.9.2) can reach the origin
        ExecResult r = curl("-s", "--max-time", "10", "--resolve", "named.web.test:8082:10.78.7.2",
                "http://named.web.test:8082/hello.txt?http-by-name");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("hello from the origin");
        assertThat(originLogLine(8082, "/hello.txt?http-by-name")).startsWith("::ffff:10.78.5.1 ");
        assertThat(decisions(flowOf("http-by-name"))).endsWith("first: Claim[]", "proxy-test: proxy first");
        assertThat(Files.readString(dir.resolve("tinyproxy.log"))).contains("named.web.test");
    }

    /** second's app rule names curl's executable: the same destination from this JVM is not offered to it. */
    @Test
    void anotherExecutableIsNotOfferedToTheAppProxy() throws Exception {
        String response = client.runInside(() -> {
            try (java.net.Socket s = new java.net.Socket("10.78.9.2", 8081)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /hello.txt?from-java HTTP/1.0\r\nHost: x\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            }
        });
        assertThat(response).contains("hello from the origin");
        assertThat(originLogLine(8081, "/hello.txt?from-java")).startsWith("::ffff:10.78.1.1 "); // direct
        int self = (int) ProcessHandle.current().pid();
        long id = 0;
        for (int i = 0; i < 100 && id == 0; i++) {
            id = events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened o
                            && o.flow().process().pid().orElse(-1) == self && o.flow().remote().port() == 8081)
                    .mapToLong(e -> ((ProviderEvent.FlowOpened) e).flowId()).findFirst().orElse(0);
            if (id == 0) Thread.sleep(20);
        }
        assertThat(decisions(id)).containsExactly("picky: Decline[]", "proxy-test: direct");
    }

    @Test
    void aFlowEveryProxyDeclinesGoesDirect() throws Exception {
        // IPv6: outside first's network; port 8082: outside second's port
        ExecResult r = curl("-s", "--max-time", "10", "http://[fd78:9::2]:8082/hello.txt?direct");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(originLogLine(8082, "/hello.txt?direct")).startsWith("fd78:1::1 ");
        long id = flowOf("?direct");
        assertThat(decisions(id)).containsExactly("picky: Decline[]", "proxy-test: direct");
        assertThat(events).anyMatch(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == id
                && v.verdict().equals(ProxyRoute.DIRECT));
    }

    @Test
    void aProxyThatRefusesResetsTheFlowAndSaysWhy() throws Exception {
        // second claims it; microsocks cannot resolve the name and fails the CONNECT
        ExecResult r = curl("-s", "--max-time", "10", "--resolve", "unknown.origin.test:8081:10.78.9.2",
                "http://unknown.origin.test:8081/hello.txt?refused");
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        long id = flowOf("?refused");
        for (int i = 0; i < 100 && events.stream().noneMatch(e -> e instanceof ProviderEvent.ProviderMessage m
                && m.flowId() == id && m.type().equals("proxy.failed")); i++) Thread.sleep(20);
        assertThat(events).anyMatch(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == id
                && m.type().equals("proxy.failed") && m.attributes().get("proxy").equals("second"));
    }

    @Test
    void aWrongSocksPasswordFailsTheFlowWithTheServersAnswer() throws Exception {
        ExecResult r = curl("-s", "--max-time", "10", "http://10.78.7.2:8084/hello.txt?wrong-password");
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        long id = flowOf("?wrong-password");
        assertThat(decisions(id)).endsWith("wrong-password: Claim[]", "proxy-test: proxy wrong-password");
        for (int i = 0; i < 100 && events.stream().noneMatch(e -> e instanceof ProviderEvent.ProviderMessage m
                && m.flowId() == id && m.type().equals("proxy.failed")); i++) Thread.sleep(20);
        assertThat(events).anyMatch(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == id
                && m.type().equals("proxy.failed") && m.attributes().get("reason").contains("username/password rejected"));
    }

    @Test
    void theChainIsSortedByOrder() {
        assertThat(engine.proxyChain().members().stream().map(ProxyChain.Member::provider).toList())
                .containsExactly("picky", "first", "second", "wrong-password");
        Verdict unused = ClaimDecision.CLAIM; // the verdict types recorded above
        assertThat(unused).isNotNull();
    }
}
