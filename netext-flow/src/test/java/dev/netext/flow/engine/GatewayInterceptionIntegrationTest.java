package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.peek.PeekVectors;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gateway mode: namespace {@code client} routes through namespace {@code gw}, which runs the engine with
 * {@code gateway: [gw-c]}, to namespace {@code server} (an HTTP server and UDP echoes). The client's curl and UDP
 * are forwarded traffic for the gateway, intercepted in prerouting, named (Host, QUIC SNI) and filtered there —
 * on the terminated path ({@code fast-path: false}): every flow relayed by the gateway's own sockets.
 */
class GatewayInterceptionIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, gw, server;
    private static FlowEngine engine;
    private static HelloHttpServer http;
    private static Path dir;
    private static final List<UdpEchoServer> echoes = new CopyOnWriteArrayList<>();
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "nc", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        client = lab.namespace("client");
        gw = lab.namespace("gw");
        server = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-gw", "10.81.1.2/24"), VethEnd.of("gw", "gw-c", "10.81.1.1/24"));
        lab.veth(VethEnd.of("gw", "gw-s", "10.81.2.1/24"), VethEnd.of("server", "s-gw", "10.81.2.2/24"));
        client.ip("-6", "addr", "add", "fd81:1::2/64", "dev", "c-gw", "nodad").orThrow();
        gw.ip("-6", "addr", "add", "fd81:1::1/64", "dev", "gw-c", "nodad").orThrow();
        gw.ip("-6", "addr", "add", "fd81:2::1/64", "dev", "gw-s", "nodad").orThrow();
        server.ip("-6", "addr", "add", "fd81:2::2/64", "dev", "s-gw", "nodad").orThrow();
        client.ip("route", "add", "default", "via", "10.81.1.1").orThrow();
        client.ip("-6", "route", "add", "default", "via", "fd81:1::1").orThrow();
        server.ip("route", "add", "default", "via", "10.81.2.1").orThrow();
        server.ip("-6", "route", "add", "default", "via", "fd81:2::1").orThrow();
        gw.setSysctl("net.ipv4.ip_forward", "1");
        gw.setSysctl("net.ipv6.conf.all.forwarding", "1");
        http = server.runInside(() -> HelloHttpServer.open("::", 80));
        for (String a : List.of("10.81.2.2", "fd81:2::2"))
            for (int port : List.of(443, 7))
                echoes.add(server.runInside(() -> UdpEchoServer.open(new InetSocketAddress(a, port))));
        dir = Files.createTempDirectory("netext-gateway-it");
        RulesFilter filter = new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.DROP).withHost("example.com")),
                RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("gateway-filter", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withGateway(List.of("gw-c")).withUdpIdleTimeout(Duration.ofSeconds(2))
                        .withFastPath(false)); // the terminated path; GatewayFastPathIntegrationTest has the fast one
        engine = EngineFixture.start(gw, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            EngineFixture.closeChecked(gw, engine);
            if (gw != null) {
                // with the engine gone the gateway forwards as a plain router again
                ExecResult r = curl("www.after.test", "10.81.2.2");
                assertThat(r.output()).contains("hello www.after.test");
                assertThat(http.lastPeer()).isEqualTo("10.81.1.2");
            }
        } finally {
            if (http != null) http.close();
            for (var e : echoes) e.close();
            if (lab != null) lab.close();
            EngineFixture.deleteTree(dir);
        }
    }

    private static ExecResult curl(String host, String address) throws Exception {
        String resolve = address.contains(":") ? "[" + address + "]" : address;
        return client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", host + ":80:" + resolve,
                "http://" + host + "/");
    }

    private static ProviderEvent.FlowOpened opened(Predicate<ProviderEvent.FlowOpened> which) throws InterruptedException {
        return EngineFixture.awaitOpened(events, which);
    }

    private static List<FilterVerdict> verdicts(long flowId) { return EngineFixture.verdicts(events, flowId); }

    @Test
    void forwardedHttpIsNamedByHostAndRelayedByTheGatewayOverBothFamilies() throws Exception {
        for (String address : List.of("10.81.2.2", "fd81:2::2")) {
            String host = "www" + (address.contains(":") ? "6" : "4") + ".allowed.test";
            ExecResult r = curl(host, address);
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains("hello " + host);
            // the server saw the gateway's address: the connection was relayed, not forwarded
            assertThat(http.lastPeer()).isEqualTo(address.contains(":") ? "fd81:2:0:0:0:0:0:1" : "10.81.2.1");
            ProviderEvent.FlowOpened o = opened(EngineFixture.named(host));
            assertThat(o.flow().hostname().orElseThrow().source()).isEqualTo(HostnameInfo.Source.HTTP_HOST);
            assertThat(o.flow().local().address().getHostAddress()).isIn("10.81.1.2", "fd81:1:0:0:0:0:0:2");
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
        }
    }

    @Test
    void forwardedHttpToABlockedHostIsReset() throws Exception {
        int before = http.peers().size();
        ExecResult r = curl("x.blocked.test", "10.81.2.2");
        assertThat(r.exitCode()).as(r.output()).isIn(52, 56); // empty reply / connection reset
        ProviderEvent.FlowOpened o = opened(EngineFixture.named("x.blocked.test"));
        assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
        assertThat(http.peers()).hasSize(before); // nothing reached the server
    }

    @Test
    void forwardedQuicIsFilteredBySniAndPlainUdpIsEchoedFromTheOriginalAddress() throws Exception {
        byte[] initial = PeekVectors.load("rfc9001-a2-client-initial.hex"); // SNI example.com: dropped
        try (DatagramSocket s = client.runInside(() -> new DatagramSocket(0))) {
            s.setSoTimeout(1500);
            s.send(new DatagramPacket(initial, initial.length, new InetSocketAddress("10.81.2.2", 443)));
            try {
                s.receive(new DatagramPacket(new byte[2048], 2048));
                throw new AssertionError("the blocked Initial was echoed");
            } catch (SocketTimeoutException expected) {
                // dropped at the gateway
            }
            ProviderEvent.FlowOpened o = opened(f -> f.flow().protocol() == TransportProtocol.UDP
                    && f.flow().local().port() == s.getLocalPort());
            assertThat(o.flow().hostname()).contains(new HostnameInfo("example.com", HostnameInfo.Source.QUIC_SNI));
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
        }
        for (String target : List.of("10.81.2.2", "fd81:2::2")) {
            String marker = "through-the-gateway-" + target.replace(':', '-');
            ExecResult r = client.run(Duration.ofSeconds(15), "sh", "-c", "echo " + marker + " | nc -u -w 2 " + target + " 7");
            assertThat(r.output()).as(target).contains(marker); // openbsd nc accepts only answers from the target
            opened(f -> f.flow().protocol() == TransportProtocol.UDP && f.flow().remote().port() == 7
                    && f.flow().remote().address().getHostAddress().startsWith(target.contains(":") ? "fd81" : "10.81"));
        }
    }

    @Test
    void gatewayRulesAreInstalled() throws Exception {
        String table = gw.run("nft", "list", "table", "inet", "netext-flow").output();
        assertThat(table).contains("iifname \"gw-c\" fib daddr type { local, broadcast, multicast } return")
                .contains("iifname \"gw-c\" meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:");
    }
}
