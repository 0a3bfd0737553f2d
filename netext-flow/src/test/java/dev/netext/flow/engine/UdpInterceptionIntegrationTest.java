package dev.netext.flow.engine;

import static dev.netext.wire.quic.InitialSealer.crypto;
import static dev.netext.wire.quic.InitialSealer.datagram;
import static dev.netext.wire.quic.InitialSealer.payload;
import static dev.netext.wire.quic.InitialSealer.seal;
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
import dev.netext.linux.sys.HostPackages;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.peek.ClientHelloBuilder;
import dev.netext.wire.peek.PeekVectors;
import dev.netext.wire.quic.QuicVersion;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UDP through the flow layer with real peers: namespace {@code client} runs the engine (TPROXY interception of UDP,
 * IPv4 and IPv6) and the clients — QUIC Initials sent from this JVM's sockets, {@code nc -u} for plain UDP —
 * namespace {@code server} runs UDP echo servers (RFC 862) on 443 and 7. An echo that comes back proves the relay
 * both ways; its source address proves replies come from the original destination.
 */
class UdpInterceptionIntegrationTest {
    private static final byte[] NONE = new byte[0];
    private static NetnsLab lab;
    private static NetworkNamespace client, server;
    private static FlowEngine engine;
    private static Path dir;
    private static final List<UdpEchoServer> echoes = new CopyOnWriteArrayList<>();
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("nc", "nft"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        EngineFixture.ClientServer hosts = EngineFixture.clientServer(lab, "10.79.0", "fd79::");
        client = hosts.client();
        server = hosts.server();
        for (String a : List.of("10.79.0.2", "fd79::2"))
            for (int port : List.of(443, 7)) {
                UdpEchoServer e = server.runInside(() -> UdpEchoServer.open(new InetSocketAddress(a, port)));
                echoes.add(e);
            }
        dir = Files.createTempDirectory("netext-udpflow-it");
        List<FlowRule> rules = List.of(
                FlowRule.of(RuleAction.DROP).withHost("example.com"),   // the RFC 9001 Appendix A ClientHello's SNI
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.PROMPT).withHost("*.prompt.test"));
        RulesFilter filter = new RulesFilter(rules, RuleAction.ALLOW, Duration.ofSeconds(20), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("udp-filter", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withUdpIdleTimeout(Duration.ofSeconds(2)));
        engine = EngineFixture.start(client, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            EngineFixture.closeChecked(client, engine);
        } finally {
            for (UdpEchoServer e : echoes) e.close();
            if (lab != null) lab.close();
            EngineFixture.deleteTree(dir);
        }
    }

    /** A client socket in the client namespace (created there; usable from any thread). */
    private static DatagramSocket clientSocket() throws Exception { return EngineFixture.udpSocket(client); }

    private static DatagramPacket exchange(DatagramSocket s, byte[] out, InetSocketAddress to, int timeoutMillis) throws Exception {
        return EngineFixture.exchange(s, out, to, timeoutMillis);
    }

    private static ProviderEvent.FlowOpened opened(Predicate<ProviderEvent.FlowOpened> which) throws InterruptedException {
        return EngineFixture.awaitOpened(events, which);
    }

    private static Predicate<ProviderEvent.FlowOpened> from(DatagramSocket s) {
        return o -> o.flow().local().port() == s.getLocalPort() && o.flow().protocol() == TransportProtocol.UDP;
    }

    private static List<FilterVerdict> verdicts(long flowId) { return EngineFixture.verdicts(events, flowId); }

    private static ProviderEvent.FlowClosed closed(long flowId) throws InterruptedException {
        return EngineFixture.awaitClosed(events, flowId);
    }

    private static long echoed() { return echoes.stream().mapToLong(UdpEchoServer::echoed).sum(); }

    /** A QUIC v1 client Initial carrying {@code hello} in one 1200-byte datagram, under a fresh connection ID. */
    private static byte[] quicInitial(byte[] hello, byte[] dcid) {
        return datagram(1200, seal(QuicVersion.V1, dcid, PeekVectors.hex("c0ffee"), NONE, 0, 4,
                payload(1100, crypto(hello, 0, hello.length))));
    }

    @Test
    void rfc9001InitialIsNamedExampleComBySniAndDroppedBeforeAnyByteLeaves() throws Exception {
        byte[] initial = PeekVectors.load("rfc9001-a2-client-initial.hex");
        assertThat(initial.length).isGreaterThanOrEqualTo(1200);
        long before = echoed();
        try (DatagramSocket s = clientSocket()) {
            InetSocketAddress to = new InetSocketAddress("10.79.0.2", 443);
            assertThat(exchange(s, initial, to, 1500)).isNull();
            assertThat(exchange(s, initial, to, 800)).isNull(); // a retry belongs to the same, dropped flow
            ProviderEvent.FlowOpened o = opened(from(s));
            assertThat(o.flow().hostname()).contains(new HostnameInfo("example.com", HostnameInfo.Source.QUIC_SNI));
            assertThat(o.flow().remote().toString()).isEqualTo("10.79.0.2:443");
            assertThat(o.flow().process().pid()).hasValue((int) ProcessHandle.current().pid());
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
            assertThat(events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened f && from(s).test(f))).hasSize(1);
        }
        assertThat(echoed()).isEqualTo(before); // nothing reached the server
    }

    /** drop: reset answers as a closed port would: a connected client's socket fails with ECONNREFUSED at once. */
    @Test
    void aConnectedClientOfADroppedFlowSeesPortUnreachableFromTheOriginalDestination() throws Exception {
        byte[] initial = PeekVectors.load("rfc9001-a2-client-initial.hex");
        for (String address : List.of("10.79.0.2", "fd79::2")) {
            try (DatagramSocket s = clientSocket()) {
                s.connect(new InetSocketAddress(address, 443));
                s.setSoTimeout(5000);
                s.send(new DatagramPacket(initial, initial.length));
                long t0 = System.nanoTime();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.receive(new DatagramPacket(new byte[2048], 2048)))
                        .as(address).isInstanceOf(java.net.PortUnreachableException.class);
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_000);
            }
        }
    }

    @Test
    void allowedQuicInitialReachesTheServerAndTheEchoComesBackFromTheOriginalAddress() throws Exception {
        byte[] hello = ClientHelloBuilder.unrecord(PeekVectors.load("curl-tls13-clienthello.hex")); // SNI www.example.test
        byte[] initial = quicInitial(hello, PeekVectors.hex("0011223344556677"));
        try (DatagramSocket s = clientSocket()) {
            InetSocketAddress to = new InetSocketAddress("10.79.0.2", 443);
            DatagramPacket echo = exchange(s, initial, to, 5000);
            assertThat(echo).as("echo of the allowed Initial").isNotNull();
            assertThat(echo.getSocketAddress()).isEqualTo(to); // from the address the client wrote to
            assertThat(Arrays.copyOf(echo.getData(), echo.getLength())).isEqualTo(initial);
            // later datagrams of the flow: delivered by TPROXY to the connected reply socket, whole however large
            byte[] big = new byte[30_000];
            new java.util.Random(7).nextBytes(big);
            s.send(new DatagramPacket(big, big.length, to));
            DatagramPacket bigBack = new DatagramPacket(new byte[65_536], 65_536);
            s.receive(bigBack);
            assertThat(Arrays.copyOf(bigBack.getData(), bigBack.getLength())).isEqualTo(big);
            for (int i = 0; i < 5; i++) {
                byte[] more = ("datagram " + i).getBytes();
                DatagramPacket back = exchange(s, more, to, 3000);
                assertThat(back).isNotNull();
                assertThat(new String(back.getData(), 0, back.getLength())).isEqualTo("datagram " + i);
                assertThat(back.getSocketAddress()).isEqualTo(to);
            }
            ProviderEvent.FlowOpened o = opened(from(s));
            assertThat(o.flow().hostname()).contains(new HostnameInfo("www.example.test", HostnameInfo.Source.QUIC_SNI));
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
            assertThat(o.flow().process().executable()).isPresent();
            ProviderEvent.FlowClosed c = closed(o.flowId()); // after the 2 s idle timeout
            assertThat(c.outboundBytes()).isEqualTo(initial.length + big.length + 5 * "datagram 0".length());
            assertThat(c.inboundBytes()).isEqualTo(c.outboundBytes());
        }
    }

    @Test
    void ncOverIpv4AndIpv6IsAttributedToNcAndEchoed() throws Exception {
        Path nc = Path.of("/usr/bin/nc").toRealPath();
        for (String target : List.of("10.79.0.2", "fd79::2")) {
            String marker = "hello-udp-" + target.replace(':', '-');
            ExecResult r = client.run(Duration.ofSeconds(15), "sh", "-c",
                    "echo " + marker + " | nc -u -w 2 " + target + " 7");
            assertThat(r.output()).as(target).contains(marker);
            ProviderEvent.FlowOpened o = opened(f -> f.flow().remote().port() == 7
                    && f.flow().remote().address().getHostAddress().startsWith(target.contains(":") ? "fd79" : "10.79")
                    && f.flow().process().executable().filter(nc::equals).isPresent());
            assertThat(o.flow().process().commandLine()).contains(target);
            assertThat(o.flow().hostname()).isEmpty(); // no QUIC, no DNS map: no name
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
        }
    }

    @Test
    void pausedQuicFlowPassesNothingUntilResumed() throws Exception {
        byte[] hello = new ClientHelloBuilder().sni("a.prompt.test").alpn("h3").handshake();
        byte[] initial = quicInitial(hello, PeekVectors.hex("8899aabbccddeeff"));
        long before = echoed();
        try (DatagramSocket s = clientSocket()) {
            InetSocketAddress to = new InetSocketAddress("fd79::2", 443);
            assertThat(exchange(s, initial, to, 1000)).isNull();
            ProviderEvent.FlowOpened o = opened(from(s));
            assertThat(o.flow().hostname()).contains(new HostnameInfo("a.prompt.test", HostnameInfo.Source.QUIC_SNI));
            assertThat(engine.pausedFlows()).contains(o.flowId());
            assertThat(exchange(s, "while paused".getBytes(), to, 500)).isNull();
            assertThat(echoed()).isEqualTo(before); // no byte left while paused
            assertThat(engine.control().resume(o.flowId(), FinalVerdict.ALLOW)).isTrue();
            // the held datagrams go now, in order
            DatagramPacket first = new DatagramPacket(new byte[2048], 2048), second = new DatagramPacket(new byte[2048], 2048);
            s.setSoTimeout(5000);
            s.receive(first);
            s.receive(second);
            assertThat(first.getLength()).isEqualTo(initial.length);
            assertThat(new String(second.getData(), 0, second.getLength())).isEqualTo("while paused");
            assertThat(first.getSocketAddress()).isEqualTo(to);
            assertThat(verdicts(o.flowId())).hasSize(2).last().isEqualTo(FinalVerdict.ALLOW);
        }
    }

    @Test
    void garbageDatagramsNeverWedgeTheListener() throws Exception {
        // malformed QUIC-looking datagrams: long header, v1, random rest; then a real exchange still works
        java.util.Random r = new java.util.Random(9001);
        byte[] seed = PeekVectors.load("rfc9001-a2-client-initial.hex");
        try (DatagramSocket s = clientSocket()) {
            for (int i = 0; i < 30; i++) {
                byte[] b = Arrays.copyOf(seed, i % 3 == 0 ? 1 + r.nextInt(seed.length) : seed.length);
                for (int k = r.nextInt(12); k >= 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                s.send(new DatagramPacket(b, b.length, new InetSocketAddress("10.79.0.2", 1000 + i)));
            }
        }
        try (DatagramSocket s = clientSocket()) {
            DatagramPacket back = exchange(s, "still working".getBytes(), new InetSocketAddress("10.79.0.2", 7), 5000);
            assertThat(back).isNotNull();
            assertThat(new String(back.getData(), 0, back.getLength())).isEqualTo("still working");
        }
    }

    /**
     * A socket with an SO_MARK of its own (as a WireGuard tunnel's UDP socket has) is routed by its owner: not
     * intercepted, so its datagrams keep their source port and routing. Python sets the mark (Java cannot).
     */
    @Test
    void aMarkedSocketIsNotIntercepted() throws Exception {
        HostPackages.require("python3");
        String script = """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, 36, 0x4e58aaaa)
                s.settimeout(3)
                s.sendto(b"marked", ("10.79.0.2", 7))
                data, peer = s.recvfrom(100)
                print(s.getsockname()[1], data.decode(), peer[0])
                """;
        ExecResult r = client.run(Duration.ofSeconds(15), "python3", "-c", script);
        assertThat(r.exitCode()).as(r.output()).isZero();
        String[] out = r.output().strip().split(" ");
        assertThat(out[1]).isEqualTo("marked");
        int port = Integer.parseInt(out[0]);
        Thread.sleep(300);
        assertThat(events).noneMatch(e -> e instanceof ProviderEvent.FlowOpened o && o.flow().local().port() == port);
    }

    @Test
    void udpInterceptionIsInstalled() throws Exception {
        String table = client.run("nft", "list", "table", "inet", "netext-flow").output();
        int[] ports = engine.udpListenerPorts();
        assertThat(ports[0]).isPositive();
        assertThat(ports[1]).isPositive();
        assertThat(table).contains("meta l4proto udp tproxy ip to 127.0.0.1:" + ports[0])
                .contains("meta l4proto udp tproxy ip6 to [::1]:" + ports[1]);
    }
}
