package dev.netext.flow.engine;

import static dev.netext.wire.quic.InitialSealer.crypto;
import static dev.netext.wire.quic.InitialSealer.datagram;
import static dev.netext.wire.quic.InitialSealer.payload;
import static dev.netext.wire.quic.InitialSealer.seal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.peek.ClientHelloBuilder;
import dev.netext.wire.peek.PeekVectors;
import dev.netext.wire.quic.QuicVersion;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
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
 * Issue 15 §1 for UDP: a UDP flow that only needs a verdict is judged from its queued first datagrams (QUIC Initial
 * SNI, the DNS map) and then left to the kernel. Namespace {@code client} runs the engine (fast path: its default)
 * with one rules profile — drop {@code *.blocked.test}, prompt for port 8443, allow the rest — and the clients (this
 * JVM's sockets, {@code nc -u}); namespace {@code server} runs UDP echo servers (RFC 862). The terminated path shows
 * itself by an upstream socket of its own ({@code flow.upstream} names netext's socket); on the fast path the upstream
 * is the application's own socket, and the queue rules' counters show its later datagrams stay in the kernel — its
 * closed event counts them all nonetheless (conntrack accounting, on while the engine runs).
 */
class FastPathUdpIntegrationTest {
    private static final String OUT_CHAIN = VerdictSteering.chainPrefix(FlowEngine.VERDICT_QUEUE) + "-OUT";
    private static final byte[] NONE = new byte[0];
    private static NetnsLab lab;
    private static NetworkNamespace client, server;
    private static FlowEngine engine;
    private static Path dir;
    private static final List<UdpEchoServer> echoes = new CopyOnWriteArrayList<>();
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private static final String ACCOUNTING = VerdictSteering.CONNTRACK_ACCOUNTING;
    private static String accountingBefore;

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("nc", "nft", "iptables");
        lab = NetnsLab.create();
        EngineFixture.ClientServer hosts = EngineFixture.clientServer(lab, "10.79.0", "fd79::");
        client = hosts.client();
        server = hosts.server();
        for (String a : List.of("10.79.0.2", "fd79::2"))
            for (int port : List.of(443, 7, 8443))
                echoes.add(server.runInside(() -> UdpEchoServer.open(new InetSocketAddress(a, port))));
        dir = Files.createTempDirectory("netext-udpfast-it");
        RulesFilter filter = new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.PROMPT).withPort(PortRange.of(8443))),
                RuleAction.ALLOW, Duration.ofSeconds(20), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("udp-fast", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withUdpIdleTimeout(Duration.ofSeconds(2)));
        assertThat(config.interception().fastPath() && config.interception().udp()).as("the defaults").isTrue();
        accountingBefore = client.sysctl(ACCOUNTING).strip();
        engine = EngineFixture.start(client, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            EngineFixture.closeChecked(client, engine);
            if (client != null)
                for (String cmd : List.of("iptables", "ip6tables"))
                    assertThat(client.run(cmd, "-S").output()).as(cmd).doesNotContain("NETEXT-FP");
            if (client != null)
                assertThat(client.sysctl(ACCOUNTING).strip()).as("conntrack accounting as it was").isEqualTo(accountingBefore);
        } finally {
            for (UdpEchoServer e : echoes) e.close();
            if (lab != null) lab.close();
            EngineFixture.deleteTree(dir);
        }
    }

    @Test
    void allowedQuicFlowIsEchoedAndItsLaterDatagramsNeverReachTheQueue() throws Exception {
        byte[] initial = quicInitial(new ClientHelloBuilder().sni("www.ok.test").alpn("h3").handshake(), "0011223344556677");
        InetSocketAddress to = new InetSocketAddress("10.79.0.2", 443);
        long[] before = counters("iptables");
        long id;
        try (DatagramSocket s = clientSocket()) {
            DatagramPacket echo = exchange(s, initial, to, 5000);
            assertThat(echo).as("echo of the allowed Initial").isNotNull();
            assertThat(echo.getSocketAddress()).isEqualTo(to);
            assertThat(Arrays.copyOf(echo.getData(), echo.getLength())).isEqualTo(initial);
            long[] judged = counters("iptables");
            for (int i = 0; i < 100; i++) {
                DatagramPacket back = exchange(s, ("datagram " + i).getBytes(), to, 3000);
                assertThat(back).as("echo %d", i).isNotNull();
                assertThat(new String(back.getData(), 0, back.getLength())).isEqualTo("datagram " + i);
            }
            long[] after = counters("iptables");
            assertThat(judged[0] - before[0]).as("datagrams queued before the verdict").isBetween(1L, 2L);
            assertThat(after[0] - judged[0]).as("datagrams queued after it").isZero();
            assertThat(after[1] - judged[1]).as("datagrams of the accepted flow passed in the kernel").isGreaterThanOrEqualTo(100L);
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, from(s));
            id = o.flowId();
            assertThat(o.flow().hostname()).contains(new HostnameInfo("www.ok.test", HostnameInfo.Source.QUIC_SNI));
            assertThat(o.flow().process().pid()).hasValue((int) ProcessHandle.current().pid());
            assertThat(verdicts(id)).containsExactly(FinalVerdict.ALLOW);
            assertThat(upstreamMessages(id)).as("on the wire: the application's own socket").containsExactly(o.flow().local());
        }
        // the socket is gone: the flow ends (the queue's sweep, every 5 s) with its conntrack entry's counters — every
        // datagram the kernel carried, not only the queued Initial: IP bytes (IPv4 and UDP headers, the payload)
        long bytes = initial.length + 28;
        for (int i = 0; i < 100; i++) bytes += ("datagram " + i).length() + 28;
        ProviderEvent.FlowClosed closed = awaitClosed(id, 15_000);
        assertThat(closed.outboundBytes()).as("the Initial and 100 datagrams out").isEqualTo(bytes);
        assertThat(closed.inboundBytes()).as("their echoes in").isEqualTo(bytes);
    }

    @Test
    void conntrackAccountingIsOnWhileTheFastPathRunsWithItsOldValueInTheLedger() throws Exception {
        assertThat(client.sysctl(ACCOUNTING).strip()).isEqualTo("1");
        assertThat(accountingBefore).as("a new namespace's default").isEqualTo("0");
        try (var files = Files.list(dir.resolve("ledger"))) {
            Path flowLedger = files.filter(f -> f.getFileName().toString().startsWith("flow-")).findFirst().orElseThrow();
            assertThat(Files.readString(flowLedger)).as("recorded before it was set")
                    .contains("sysctl name=" + ACCOUNTING + " old=0 value=1");
        }
    }

    @Test
    void blockedSniIsDroppedWithPortUnreachableAndNothingReachesTheServer() throws Exception {
        byte[] initial = quicInitial(new ClientHelloBuilder().sni("q.blocked.test").alpn("h3").handshake(), "8899aabbccddeeff");
        for (String address : List.of("10.79.0.2", "fd79::2")) {
            long before = echoed();
            try (DatagramSocket s = clientSocket()) {
                s.connect(new InetSocketAddress(address, 443));
                s.setSoTimeout(5000);
                s.send(new DatagramPacket(initial, initial.length));
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> s.receive(new DatagramPacket(new byte[2048], 2048)))
                        .as(address).isInstanceOf(PortUnreachableException.class);
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_000);
                ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, from(s));
                assertThat(o.flow().hostname()).contains(new HostnameInfo("q.blocked.test", HostnameInfo.Source.QUIC_SNI));
                assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
                assertThat(upstreamMessages(o.flowId())).isEmpty();
            }
            assertThat(echoed()).as(address).isEqualTo(before);
        }
    }

    @Test
    void clientHelloSplitOverTwoInitialsIsReassembledNamedAndJudged() throws Exception {
        for (String host : List.of("split.ok.test", "split.blocked.test")) {
            byte[] hello = new ClientHelloBuilder().extension(21, new byte[1500]).sni(host).alpn("h3").handshake();
            int half = hello.length / 2;
            byte[] dcid = PeekVectors.hex(host.startsWith("split.ok") ? "1111222233334444" : "5555666677778888");
            // two Initials of one connection, the SNI in neither half alone (it follows the padding)
            byte[] first = datagram(1200, seal(QuicVersion.V1, dcid, PeekVectors.hex("c0ffee"), NONE, 0, 4,
                    payload(1100, crypto(hello, 0, half))));
            byte[] second = datagram(1200, seal(QuicVersion.V1, dcid, PeekVectors.hex("c0ffee"), NONE, 1, 4,
                    payload(1100, crypto(hello, half, hello.length))));
            long before = echoed();
            try (DatagramSocket s = clientSocket()) {
                InetSocketAddress to = new InetSocketAddress("10.79.0.2", 443);
                s.send(new DatagramPacket(first, first.length, to));
                s.send(new DatagramPacket(second, second.length, to));
                ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, from(s));
                assertThat(o.flow().hostname()).as(host).contains(new HostnameInfo(host, HostnameInfo.Source.QUIC_SNI));
                if (host.startsWith("split.ok")) {
                    assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
                    for (byte[] sent : List.of(first, second)) {
                        DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
                        s.receive(back);
                        assertThat(Arrays.copyOf(back.getData(), back.getLength())).isEqualTo(sent); // in order
                    }
                } else {
                    assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
                    Thread.sleep(300);
                    assertThat(echoed()).as("nothing of the blocked flow left").isEqualTo(before);
                }
            }
        }
    }

    /**
     * A real QUIC client: Chromium's Initial carries a post-quantum key share (X25519MLKEM768), so its ClientHello
     * spans two Initial datagrams; the flow is named from both and dropped. (Debian's curl has no HTTP/3.)
     */
    @Test
    void chromiumsQuicClientHelloOverTwoInitialsIsNamedAndDropped() throws Exception {
        HostPackages.require("chromium");
        Path profile = Files.createTempDirectory(dir, "chromium");
        long before = echoed();
        ExecResult r = client.run(Duration.ofSeconds(60), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--enable-quic",
                "--origin-to-force-quic-on=chrome.blocked.test:443", "--host-resolver-rules=MAP * 10.79.0.2",
                "--timeout=8000", "--dump-dom", "https://chrome.blocked.test/");
        ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().protocol() == TransportProtocol.UDP
                && f.flow().hostname().map(HostnameInfo::hostname).filter("chrome.blocked.test"::equals).isPresent());
        assertThat(o.flow().hostname()).as(r.output()).contains(new HostnameInfo("chrome.blocked.test", HostnameInfo.Source.QUIC_SNI));
        assertThat(o.flow().process().executable().map(Path::toString).orElse("")).contains("chromium");
        assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.DROP);
        assertThat(echoed()).as("nothing of the blocked flow reached the server").isEqualTo(before);
        // the bytes held until the name was known: more than one Initial datagram (at most 1252 bytes each)
        assertThat(awaitClosed(o.flowId(), 20_000).outboundBytes()).isGreaterThan(1252);
    }

    @Test
    void promptRuleSendsThatFlowOnlyThroughTheTerminatedPath() throws Exception {
        try (DatagramSocket s = clientSocket()) {
            InetSocketAddress to = new InetSocketAddress("10.79.0.2", 8443);
            assertThat(exchange(s, "asks first".getBytes(), to, 1000)).as("held while paused").isNull();
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, from(s));
            assertThat(engine.pausedFlows()).contains(o.flowId());
            assertThat(engine.control().resume(o.flowId(), FinalVerdict.ALLOW)).isTrue();
            DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
            s.receive(back);
            assertThat(new String(back.getData(), 0, back.getLength())).isEqualTo("asks first");
            assertThat(back.getSocketAddress()).isEqualTo(to);
            assertThat(upstreamMessages(o.flowId())).as("an upstream socket of its own: terminated").hasSize(1)
                    .doesNotContain(o.flow().local());
        }
        // the same profile's other flows still take the fast path
        try (DatagramSocket s = clientSocket()) {
            assertThat(exchange(s, "no prompt".getBytes(), new InetSocketAddress("10.79.0.2", 7), 5000)).isNotNull();
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, from(s));
            assertThat(upstreamMessages(o.flowId())).containsExactly(o.flow().local());
        }
    }

    @Test
    void plainUdpOverIpv4AndIpv6IsAttributedToNcAndLeftToTheKernel() throws Exception {
        Path nc = Path.of("/usr/bin/nc").toRealPath();
        for (String target : List.of("10.79.0.2", "fd79::2")) {
            String marker = "hello-fast-" + target.replace(':', '-');
            ExecResult r = client.run(Duration.ofSeconds(15), "sh", "-c", "echo " + marker + " | nc -u -w 2 " + target + " 7");
            assertThat(r.output()).as(target).contains(marker);
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().remote().port() == 7
                    && f.flow().remote().address().getHostAddress().startsWith(target.contains(":") ? "fd79" : "10.79")
                    && f.flow().process().executable().filter(nc::equals).isPresent());
            assertThat(o.flow().hostname()).isEmpty(); // no QUIC, no DNS map: no name
            assertThat(verdicts(o.flowId())).containsExactly(FinalVerdict.ALLOW);
            assertThat(upstreamMessages(o.flowId())).containsExactly(o.flow().local());
        }
    }

    @Test
    void udpIsQueuedNotSteeredAtOnce() throws Exception {
        String table = client.run("nft", "list", "table", "inet", "netext-flow").output();
        assertThat(table).as("only flows the verdict sent to TPROXY are marked")
                .doesNotContainPattern("meta l4proto udp ct direction original meta mark set")
                .contains("meta l4proto udp ct label set");
        for (String cmd : List.of("iptables", "ip6tables"))
            assertThat(client.run(cmd, "-S", OUT_CHAIN).orThrow().output()).as(cmd).contains("-p udp -m conntrack --ctstate NEW");
    }

    /** A QUIC v1 client Initial carrying {@code hello} in one 1200-byte datagram. */
    private static byte[] quicInitial(byte[] hello, String dcid) {
        return datagram(1200, seal(QuicVersion.V1, PeekVectors.hex(dcid), PeekVectors.hex("c0ffee"), NONE, 0, 4,
                payload(1100, crypto(hello, 0, hello.length))));
    }

    private static DatagramSocket clientSocket() throws Exception { return EngineFixture.udpSocket(client); }

    private static DatagramPacket exchange(DatagramSocket s, byte[] out, InetSocketAddress to, int millis) throws Exception {
        return EngineFixture.exchange(s, out, to, millis);
    }

    private static Predicate<ProviderEvent.FlowOpened> from(DatagramSocket s) {
        return o -> o.flow().local().port() == s.getLocalPort() && o.flow().protocol() == TransportProtocol.UDP;
    }

    private static List<FilterVerdict> verdicts(long flowId) throws InterruptedException {
        for (int i = 0; i < 100 && EngineFixture.verdicts(events, flowId).isEmpty(); i++) Thread.sleep(20);
        return EngineFixture.verdicts(events, flowId);
    }

    private static long echoed() { return echoes.stream().mapToLong(UdpEchoServer::echoed).sum(); }

    /** The local ends of the flow's upstream sockets ({@code flow.upstream} messages). */
    private static List<Endpoint> upstreamMessages(long id) throws InterruptedException {
        Thread.sleep(100); // an upstream message follows the verdict
        return events.stream().filter(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == id
                        && m.type().equals(FlowEvents.UPSTREAM_MESSAGE))
                .map(e -> Endpoint.parse(((ProviderEvent.ProviderMessage) e).attributes().get("local"))).toList();
    }

    private static ProviderEvent.FlowClosed awaitClosed(long id, long millis) throws InterruptedException {
        for (long end = System.currentTimeMillis() + millis; System.currentTimeMillis() < end; Thread.sleep(50)) {
            var c = events.stream().filter(e -> e instanceof ProviderEvent.FlowClosed f && f.flowId() == id).findFirst();
            if (c.isPresent()) return (ProviderEvent.FlowClosed) c.get();
        }
        throw new AssertionError("flow " + id + " was not closed: " + EngineFixture.eventsOf(events, id));
    }

    private static long[] counters(String cmd) throws Exception { return EngineFixture.fastPathCounters(client, cmd); }
}
