package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyRules;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.lab.peers.Danted;
import dev.netext.lab.ProxyTopology;
import dev.netext.lab.traffic.PeerEcho;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.peek.PeekVectors;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Intercepted UDP flows through the proxy chain, with a real SOCKS5 UDP relay (Debian's dante; microsocks has no UDP).
 * Namespaces: {@code client} (this JVM's sockets + the engine), {@code socks} (danted, 10.77.2.2:1080 toward the
 * client, 10.77.3.1 toward the origin) and {@code origin} (a Python UDP echo on its service address 10.77.9.2, ports
 * 7777, 7778 and 443, answering with the peer it saw). The client reaches 10.77.9.2 directly over its own link
 * (10.77.1.1), so the echo's text tells the path: dante's external address, or the client's.
 *
 * <p>Chain: {@code web} (order 1, an HTTP CONNECT proxy that includes every flow to the origin: it must decline UDP),
 * {@code corp} (order 2, SOCKS5 via dante: UDP to port 7777, and UDP to {@code example.com}, the SNI of RFC 9001's
 * QUIC Initial). UDP to 7778 is offered to {@code web} only, which declines: it goes direct.
 */
class UdpProxyChainIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, socks, origin;
    private static FlowEngine engine;
    private static Path dir;
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("danted", "python3", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        ProxyTopology t = ProxyTopology.create(lab, "10.77");
        client = t.client();
        socks = t.socks();
        origin = t.origin();
        dir = Files.createTempDirectory("netext-udp-proxy-it");
        Danted.start(socks, dir, "10.77.2.2", "10.77.3.1", "10.77.2.0/24");
        // bound to the service address, so answers leave from the address the client wrote to
        PeerEcho.start(origin, "10.77.9.2", "echo to {peer}: ", 7777, 7778, 443);
        FlowProxy web = new FlowProxy.Upstream(new ProxyChain.Member("web", ProviderKind.TRANSPARENT_PROXY, 1,
                ProxyRules.including(NetworkRule.toNetwork(IpPrefix.parse("10.77.9.0/24"), TransportProtocol.ANY))),
                new ProxyServer.HttpConnect(Endpoint.parse("10.77.2.2:3128"))); // never dialled: it declines UDP
        FlowProxy corp = new FlowProxy.Upstream(new ProxyChain.Member("corp", ProviderKind.TRANSPARENT_PROXY, 2,
                ProxyRules.including(new NetworkRule(null, null, PortRange.of(7777), null, TransportProtocol.UDP, null),
                        NetworkRule.toHost("example.com", TransportProtocol.UDP))),
                new ProxyServer.Socks5(Endpoint.parse("10.77.2.2:1080"), Optional.empty()));
        RulesFilter filter = new RulesFilter(List.of(), RuleAction.ALLOW, Duration.ofSeconds(3), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("udp-proxy", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withUdpIdleTimeout(Duration.ofSeconds(2)));
        engine = EngineFixture.start(client, config, filter, List.of(corp, web), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        EngineFixture.tearDown(lab, client, engine, dir);
    }

    @BeforeEach
    void clearEvents() { events.clear(); }

    private static DatagramSocket clientSocket() throws Exception {
        return client.runInside(() -> new DatagramSocket(0));
    }

    /** Sends {@code out} and waits for one answer; UDP may lose the first datagram, so it is sent up to 3 times. */
    private static DatagramPacket exchange(DatagramSocket s, byte[] out, InetSocketAddress to) throws Exception {
        s.setSoTimeout(2000);
        for (int attempt = 0; attempt < 3; attempt++) {
            s.send(new DatagramPacket(out, out.length, to));
            DatagramPacket in = new DatagramPacket(new byte[4096], 4096);
            try {
                s.receive(in);
                return in;
            } catch (SocketTimeoutException e) {
                // again
            }
        }
        throw new AssertionError("no answer from " + to + "; dante log:\n" + Files.readString(dir.resolve("danted.log")));
    }

    private static String text(DatagramPacket p) {
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
    }

    private static long flowFrom(DatagramSocket s) throws InterruptedException {
        for (int i = 0; i < 150; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowOpened o && o.flow().protocol() == TransportProtocol.UDP
                        && o.flow().local().port() == s.getLocalPort()) return o.flowId();
            Thread.sleep(20);
        }
        throw new AssertionError("no flow from port " + s.getLocalPort() + " in " + events);
    }

    /** The proxy-chain decisions about {@code flowId}, as "provider: verdict", in event order. */
    private static List<String> decisions(long flowId) throws InterruptedException {
        for (int i = 0; i < 150; i++) {
            List<String> d = events.stream()
                    .filter(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == flowId
                            && !(v.verdict() instanceof dev.netext.api.filter.FilterVerdict))
                    .map(e -> ((ProviderEvent.FlowVerdict) e).provider() + ": " + ((ProviderEvent.FlowVerdict) e).verdict())
                    .toList();
            if (d.stream().anyMatch(x -> x.startsWith("udp-proxy:"))) return d;
            Thread.sleep(20);
        }
        throw new AssertionError("no route event for flow " + flowId + ": " + events);
    }

    private static ProviderEvent.FlowClosed closed(long flowId) throws InterruptedException {
        return EngineFixture.awaitClosed(events, flowId);
    }

    /** dante's TCP control connections from the client namespace (one per open association). */
    private static int danteAssociations() throws Exception {
        return (int) socks.run("ss", "-Htn", "state", "established", "sport = :1080").output().lines()
                .filter(l -> !l.isBlank()).count();
    }

    @Test
    void anEchoThroughInterceptionGoesThroughDanteAndComesBackFromTheOriginalAddress() throws Exception {
        InetSocketAddress to = new InetSocketAddress("10.77.9.2", 7777);
        try (DatagramSocket s = clientSocket()) {
            for (int i = 0; i < 3; i++) {
                DatagramPacket echo = exchange(s, ("ping " + i).getBytes(StandardCharsets.US_ASCII), to);
                // the origin saw dante's external address: the datagram went through the relay
                assertThat(text(echo)).isEqualTo("echo to 10.77.3.1: ping " + i);
                assertThat(echo.getSocketAddress()).isEqualTo(to); // as if straight from the original destination
            }
            long id = flowFrom(s);
            assertThat(decisions(id)).containsExactly("web: Decline[]", "corp: Claim[]", "udp-proxy: proxy corp");
            assertThat(danteAssociations()).isEqualTo(1); // one association for the flow, however many datagrams
            ProviderEvent.FlowClosed c = closed(id); // idle 2 s: the flow ends, and its association with it
            assertThat(c.outboundBytes()).isGreaterThanOrEqualTo("ping 0".length() * 3L);
            for (int i = 0; i < 100 && danteAssociations() > 0; i++) Thread.sleep(50);
            assertThat(danteAssociations()).isZero();
        }
    }

    @Test
    void aFlowTheHttpProxyDeclinesAndNoOtherSelectsGoesDirect() throws Exception {
        InetSocketAddress to = new InetSocketAddress("10.77.9.2", 7778);
        try (DatagramSocket s = clientSocket()) {
            DatagramPacket echo = exchange(s, "direct".getBytes(StandardCharsets.US_ASCII), to);
            assertThat(text(echo)).isEqualTo("echo to 10.77.1.1: direct");
            assertThat(decisions(flowFrom(s))).containsExactly("web: Decline[]", "udp-proxy: direct");
        }
    }

    @Test
    void aQuicInitialIsSelectedByItsSniAndRelayedThroughDante() throws Exception {
        byte[] initial = PeekVectors.load("rfc9001-a2-client-initial.hex"); // SNI example.com
        InetSocketAddress to = new InetSocketAddress("10.77.9.2", 443);
        try (DatagramSocket s = clientSocket()) {
            DatagramPacket echo = exchange(s, initial, to);
            byte[] prefix = "echo to 10.77.3.1: ".getBytes(StandardCharsets.US_ASCII);
            byte[] got = Arrays.copyOf(echo.getData(), echo.getLength());
            assertThat(Arrays.copyOf(got, prefix.length)).isEqualTo(prefix);
            assertThat(Arrays.copyOfRange(got, prefix.length, got.length)).isEqualTo(initial);
            long id = flowFrom(s);
            assertThat(events).anyMatch(e -> e instanceof ProviderEvent.FlowOpened o && o.flowId() == id
                    && o.flow().hostname().equals(Optional.of(new HostnameInfo("example.com", HostnameInfo.Source.QUIC_SNI))));
            assertThat(decisions(id)).containsExactly("web: Decline[]", "corp: Claim[]", "udp-proxy: proxy corp");
        }
    }
}
