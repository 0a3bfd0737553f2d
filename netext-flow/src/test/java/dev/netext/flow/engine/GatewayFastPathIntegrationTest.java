package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.peek.PeekVectors;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gateway mode on the fast path (issue 15 §1): namespace {@code client} routes through namespace {@code gw}, which
 * runs the engine with {@code gateway: [gw-c]} and the fast path (the default), to namespace {@code server}
 * ({@code openssl s_server}, Python's {@code http.server}, a hello HTTP server, UDP echoes). The client's flows are
 * queued at the gateway in prerouting, named and judged there; allowed ones are forwarded by the kernel (the server
 * sees the client's own address, the queue's counters show their later packets never reach it), dropped ones are
 * reset (TCP) or answered with port unreachable (UDP) from the gateway, and a flow a prompt rule may decide still
 * takes the terminated path (TPROXY: the server sees the gateway's address). Events are those of the terminated
 * gateway path: flow ids, names from the flow's bytes, the client's address as the flow's local end, no process, and
 * the bytes in and out at close — from the flow's conntrack entry, conntrack accounting being on in the gateway's
 * namespace while the engine runs (back to its old value once it stops).
 */
class GatewayFastPathIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, gw, server;
    private static FlowEngine engine;
    private static HelloHttpServer hello;
    private static Path dir;
    private static final List<UdpEchoServer> echoes = new CopyOnWriteArrayList<>();
    private static final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private static final String ACCOUNTING = "net.netfilter.nf_conntrack_acct";
    private static String accountingBefore;

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("curl", "openssl", "python3", "nft", "iptables");
        lab = NetnsLab.create();
        client = lab.namespace("client");
        gw = lab.namespace("gw");
        server = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-gw", "10.84.1.2/24"), VethEnd.of("gw", "gw-c", "10.84.1.1/24"));
        lab.veth(VethEnd.of("gw", "gw-s", "10.84.2.1/24"), VethEnd.of("server", "s-gw", "10.84.2.2/24"));
        client.ip("-6", "addr", "add", "fd84:1::2/64", "dev", "c-gw", "nodad").orThrow();
        gw.ip("-6", "addr", "add", "fd84:1::1/64", "dev", "gw-c", "nodad").orThrow();
        gw.ip("-6", "addr", "add", "fd84:2::1/64", "dev", "gw-s", "nodad").orThrow();
        server.ip("-6", "addr", "add", "fd84:2::2/64", "dev", "s-gw", "nodad").orThrow();
        client.ip("route", "add", "default", "via", "10.84.1.1").orThrow();
        client.ip("-6", "route", "add", "default", "via", "fd84:1::1").orThrow();
        server.ip("route", "add", "default", "via", "10.84.2.1").orThrow();
        server.ip("-6", "route", "add", "default", "via", "fd84:2::1").orThrow();
        gw.setSysctl("net.ipv4.ip_forward", "1");
        gw.setSysctl("net.ipv6.conf.all.forwarding", "1");
        dir = Files.createTempDirectory("netext-gateway-fast-it");
        server.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-days", "1", "-nodes", "-subj", "/CN=netext-test").orThrow();
        for (int port : new int[]{443, 8443})
            server.exec("openssl", "s_server", "-accept", Integer.toString(port), "-cert", dir.resolve("cert.pem").toString(),
                    "-key", dir.resolve("key.pem").toString(), "-www", "-quiet");
        try (RandomAccessFile big = new RandomAccessFile(dir.resolve("big.bin").toFile(), "rw")) {
            big.setLength(8 << 20);
        }
        EngineFixture.serveDirectory(server, "10.84.2.2", dir);
        hello = server.runInside(() -> HelloHttpServer.open("::", 8000));
        for (int port : List.of(7, 443, 8443))
            echoes.add(server.runInside(() -> UdpEchoServer.open(new InetSocketAddress("10.84.2.2", port))));
        for (int port : new int[]{443, 8443}) EngineFixture.awaitTcpListening(server, port);
        RulesFilter filter = new RulesFilter(List.of(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.DROP).withHost("example.com"), // the RFC 9001 Initial's SNI
                FlowRule.of(RuleAction.PROMPT).withPort(PortRange.of(8443)),
                FlowRule.of(RuleAction.DROP).withPort(PortRange.of(2526))),
                RuleAction.ALLOW, Duration.ofSeconds(20), FinalVerdict.DROP, DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("gateway-fast", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withGateway(List.of("gw-c")).withFailOpen(false));
        assertThat(config.interception().fastPath()).as("the fast path is the default").isTrue();
        accountingBefore = accounting();
        engine = EngineFixture.start(gw, config, filter, List.of(), events);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            EngineFixture.closeChecked(gw, engine);
            if (gw != null)
                for (String cmd : List.of("iptables", "ip6tables"))
                    for (String table : List.of("filter", "mangle"))
                        assertThat(gw.run(cmd, "-t", table, "-S").output()).as(cmd + " " + table).doesNotContain("NETEXT-FP");
            if (gw != null) assertThat(accounting()).as("conntrack accounting as it was").isEqualTo(accountingBefore);
        } finally {
            if (hello != null) hello.close();
            for (var e : echoes) e.close();
            if (lab != null) lab.close();
            EngineFixture.deleteTree(dir);
        }
    }

    /**
     * A server that speaks first, to another host's connection: the server's side is queued at the gateway too
     * (filter FORWARD), so an allowed flow's banner passes as soon as it arrives, and a dropped flow's (port 2526)
     * never reaches the client, which gets a reset from the gateway in its server's name at once instead of waiting.
     */
    @Test
    void aForwardedServerThatSpeaksFirstIsHeldUntilItsVerdict() throws Exception {
        try (EngineFixture.BannerServer allowed = EngineFixture.BannerServer.open(server, "10.84.2.2", 2525);
             EngineFixture.BannerServer dropped = EngineFixture.BannerServer.open(server, "10.84.2.2", 2526)) {
            long[] before = EngineFixture.fastPathCounters(gw, "iptables", "filter", "-IN");
            assertThat(allowed.firstByteFrom(client)).isEqualTo("read '2'");
            long t0 = System.nanoTime();
            // ECONNRESET either way: from the read, or from connect() when the reset came before it returned
            assertThat(dropped.firstByteFrom(client)).as("what the client read")
                    .isIn("reset: Connection reset", "reset: Connection reset by peer");
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to the reset").isLessThan(5000);
            assertThat(EngineFixture.fastPathCounters(gw, "iptables", "filter", "-IN")[0] - before[0]).as("banners queued at the gateway")
                    .isGreaterThanOrEqualTo(2);
            assertThat(dropped.accepted()).as("the server did accept: the flow was on the fast path").isPositive();
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().remote().port() == 2526);
            assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.DROP);
        }
    }

    @Test
    void allowedForwardedFlowIsForwardedByTheKernelAndItsLaterPacketsNeverReachTheQueue() throws Exception {
        long[] before = counters("iptables");
        ExecResult r = client.run(Duration.ofSeconds(60), "curl", "-s", "--max-time", "50", "-o", "/dev/null",
                "-w", "%{size_download}", "-H", "Host: files.ok.test", "http://10.84.2.2/big.bin");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().strip()).isEqualTo(Integer.toString(8 << 20));
        long[] after = counters("iptables");
        long queued = after[0] - before[0], kernel = after[1] - before[1];
        // the SYN, the handshake's ACK, the request: a few packets; curl's acks of 8 MiB and its FIN stayed in the kernel
        assertThat(queued).as("packets queued").isBetween(2L, 6L);
        assertThat(kernel).as("packets of the accepted connection passed in the kernel").isGreaterThan(20L);
        ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, EngineFixture.named("files.ok.test"));
        assertThat(o.flow().hostname()).contains(new HostnameInfo("files.ok.test", HostnameInfo.Source.HTTP_HOST));
        assertThat(o.flow().local().address().getHostAddress()).isEqualTo("10.84.1.2");
        assertThat(o.flow().process()).as("another host's flow: no process, as on the terminated path")
                .isEqualTo(ProcessInfo.UNKNOWN);
        assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.ALLOW);
        assertThat(upstreams(o.flowId())).as("on the wire: the client's own connection").containsExactly(o.flow().local());
        // no socket here: the flow ends with its conntrack entry (the queue's sweep), with its counters: IP packets'
        // bytes, headers included (about 52 B a 1448 B segment, fewer with GRO's larger packets)
        ProviderEvent.FlowClosed closed = awaitClosed(o.flowId());
        assertThat(closed.inboundBytes()).as("bytes in: 8 MiB, the response's head, TCP/IP headers")
                .isBetween(8L << 20, (long) ((8 << 20) * 1.05));
        assertThat(closed.outboundBytes()).as("bytes out: the request and the client's acks").isBetween(100L, 1L << 20);
    }

    @Test
    void conntrackAccountingIsOnWhileForwardedFlowsAreOnTheFastPathWithItsOldValueInTheLedger() throws Exception {
        assertThat(accounting()).isEqualTo("1");
        assertThat(accountingBefore).as("a new namespace's default").isEqualTo("0");
        String ledger;
        try (var files = Files.list(dir.resolve("ledger"))) {
            Path flowLedger = files.filter(f -> f.getFileName().toString().startsWith("flow-")).findFirst().orElseThrow();
            ledger = Files.readString(flowLedger);
        }
        assertThat(ledger).as("recorded before it was set").contains("sysctl name=" + ACCOUNTING + " old=0 value=1");
    }

    /**
     * A UDP flow's conntrack entry just expires: the flow's bytes are the counters the last sweep saw — all of them,
     * as no datagram came for the entry's timeout, longer than the sweep's 5 s (shortened here from 30 s and 120 s to
     * 8 s, so the test waits less).
     */
    @Test
    void anAllowedForwardedUdpFlowClosesWithTheCountersItsConntrackEntryHadBeforeExpiring() throws Exception {
        String timeout = "net.netfilter.nf_conntrack_udp_timeout", stream = timeout + "_stream";
        String oldTimeout = gw.sysctl(timeout), oldStream = gw.sysctl(stream);
        gw.setSysctl(timeout, "8"); // the entry expires 8 s after the last datagram (30 s, 120 s by default)
        gw.setSysctl(stream, "8");
        try (DatagramSocket s = EngineFixture.udpSocket(client)) {
            InetSocketAddress echo = new InetSocketAddress("10.84.2.2", 7);
            byte[] out = new byte[1000];
            for (int i = 0; i < 20; i++) assertThat(EngineFixture.exchange(s, out, echo, 3000)).as("echo " + i).isNotNull();
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().protocol() == TransportProtocol.UDP
                    && f.flow().local().port() == s.getLocalPort() && f.flow().remote().port() == 7);
            ProviderEvent.FlowClosed closed = awaitClosed(o.flowId());
            long each = 20 + 8 + out.length; // IPv4 and UDP headers, the payload
            assertThat(closed.outboundBytes()).as("20 datagrams out").isEqualTo(20 * each);
            assertThat(closed.inboundBytes()).as("20 echoes in").isEqualTo(20 * each);
        } finally {
            gw.setSysctl(timeout, oldTimeout);
            gw.setSysctl(stream, oldStream);
        }
    }

    @Test
    void allowedForwardedHttpReachesTheServerFromTheClientsOwnAddressOverBothFamilies() throws Exception {
        for (String address : List.of("10.84.2.2", "fd84:2::2")) {
            String host = "www" + (address.contains(":") ? "6" : "4") + ".ok.test";
            String target = address.contains(":") ? "[" + address + "]" : address;
            ExecResult r = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-H", "Host: " + host,
                    "http://" + target + ":8000/");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains("hello " + host);
            // forwarded, not relayed: the server saw the client (the terminated path shows the gateway's address)
            assertThat(hello.lastPeer()).isEqualTo(address.contains(":") ? "fd84:1:0:0:0:0:0:2" : "10.84.1.2");
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, EngineFixture.named(host));
            assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.ALLOW);
            assertThat(upstreams(o.flowId())).containsExactly(o.flow().local());
        }
    }

    @Test
    void forwardedTlsWithABlockedSniIsResetAtTheGateway() throws Exception {
        for (String address : List.of("10.84.2.2", "[fd84:2::2]")) {
            String host = (address.startsWith("[") ? "v6" : "v4") + ".blocked.test";
            ExecResult r = client.run(Duration.ofSeconds(20), "curl", "-sk", "--max-time", "10", "--resolve",
                    host + ":443:" + address, "https://" + host + "/");
            assertThat(r.exitCode()).as(r.output()).isIn(35, 56); // TLS connect error / recv failure: reset
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, EngineFixture.named(host));
            assertThat(o.flow().hostname()).contains(new HostnameInfo(host, HostnameInfo.Source.TLS_SNI));
            assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.DROP);
            assertThat(upstreams(o.flowId())).as("dropped: no upstream at all").isEmpty();
            EngineFixture.awaitClosed(events, o.flowId());
        }
    }

    @Test
    void aForwardedFlowAPromptRuleMayDecideTakesTheTerminatedPath() throws Exception {
        CompletableFuture<ExecResult> curl = EngineFixture.runAsync(client, "curl", "-sk", "--max-time", "25", "--resolve",
                        "asks.ok.test:8443:10.84.2.2", "https://asks.ok.test:8443/");
        long id = EngineFixture.awaitPausedFlow(engine);
        assertThat(id).as("the prompt paused the flow").isPositive();
        assertThat(engine.control().resume(id, FinalVerdict.ALLOW)).isTrue();
        ExecResult r = curl.get(30, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("s_server");
        ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, EngineFixture.named("asks.ok.test"));
        assertThat(o.flowId()).isEqualTo(id);
        assertThat(o.flow().local().address().getHostAddress()).isEqualTo("10.84.1.2");
        List<Endpoint> up = upstreams(id);
        assertThat(up).as("relayed from the gateway's own socket: terminated").hasSize(1);
        assertThat(up.getFirst().address().getHostAddress()).isEqualTo("10.84.2.1");
    }

    @Test
    void allowedForwardedUdpStaysInTheKernelAndADroppedQuicFlowGetsPortUnreachable() throws Exception {
        long[] before = counters("iptables");
        try (DatagramSocket s = EngineFixture.udpSocket(client)) {
            InetSocketAddress echo = new InetSocketAddress("10.84.2.2", 7);
            for (int i = 0; i < 50; i++) {
                byte[] out = ("datagram " + i).getBytes(StandardCharsets.US_ASCII);
                DatagramPacket in = EngineFixture.exchange(s, out, echo, 3000);
                assertThat(in).as("echo " + i).isNotNull();
                assertThat(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII)).isEqualTo("datagram " + i);
            }
            long[] after = counters("iptables");
            assertThat(after[0] - before[0]).as("datagrams queued: the first, before its verdict").isBetween(1L, 3L);
            assertThat(after[1] - before[1]).as("datagrams passed by the connection's mark").isGreaterThanOrEqualTo(45L);
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().protocol() == TransportProtocol.UDP
                    && f.flow().local().port() == s.getLocalPort() && f.flow().remote().port() == 7);
            assertThat(o.flow().local().address().getHostAddress()).isEqualTo("10.84.1.2");
            assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.ALLOW);
            assertThat(upstreams(o.flowId())).containsExactly(o.flow().local());
        }
        byte[] initial = PeekVectors.load("rfc9001-a2-client-initial.hex"); // SNI example.com: dropped
        long echoedBefore = echoes.get(1).echoed();
        try (DatagramSocket s = EngineFixture.udpSocket(client)) {
            s.connect(new InetSocketAddress("10.84.2.2", 443));
            s.send(new DatagramPacket(initial, initial.length));
            boolean refused = false;
            try {
                s.receive(new DatagramPacket(new byte[2048], 2048));
            } catch (PortUnreachableException expected) { // the gateway's ICMP port unreachable
                refused = true;
            }
            assertThat(refused).as("ICMP port unreachable from the gateway").isTrue();
            ProviderEvent.FlowOpened o = EngineFixture.awaitOpened(events, f -> f.flow().protocol() == TransportProtocol.UDP
                    && f.flow().local().port() == s.getLocalPort());
            assertThat(o.flow().hostname()).contains(new HostnameInfo("example.com", HostnameInfo.Source.QUIC_SNI));
            assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.DROP);
        }
        assertThat(echoes.get(1).echoed()).as("nothing reached the server").isEqualTo(echoedBefore);
    }

    /**
     * No socket of another host's connection is here: an allowed forwarded flow lives as long as its conntrack entry
     * (the queue's sweep reads the gateway namespace's table every 5 s) — not closed while open, closed once it ends.
     */
    @Test
    void anAllowedForwardedConnectionStaysOpenUntilItsConntrackEntryCloses() throws Exception {
        ServerSocket listener = server.runInside(() -> new ServerSocket(9000, 16, InetAddress.getByName("10.84.2.2")));
        Thread serving = Thread.ofPlatform().daemon().start(() -> {
            try (Socket accepted = listener.accept()) {
                accepted.getInputStream().transferTo(OutputStream.nullOutputStream()); // until the client closes
            } catch (IOException e) {
                // closed
            }
        });
        try {
            Socket s = client.runInside(() -> new Socket("10.84.2.2", 9000));
            ProviderEvent.FlowOpened o;
            try (s) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: long.ok.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                o = EngineFixture.awaitOpened(events, EngineFixture.named("long.ok.test"));
                assertThat(EngineFixture.verdicts(events, o.flowId())).containsExactly(FinalVerdict.ALLOW);
                Thread.sleep(11_000); // two sweeps at least
                assertThat(EngineFixture.eventsOf(events, o.flowId())).as("open: its conntrack entry is established")
                        .noneMatch(e -> e instanceof ProviderEvent.FlowClosed);
                s.getOutputStream().write("still open\n".getBytes(StandardCharsets.US_ASCII));
            }
            awaitClosed(o.flowId());
        } finally {
            listener.close();
            serving.join(2000);
        }
    }

    @Test
    void aForwardedUdpFlowAPromptRuleMayDecideIsRelayedOnTheTerminatedPath() throws Exception {
        try (DatagramSocket s = EngineFixture.udpSocket(client)) {
            InetSocketAddress prompted = new InetSocketAddress("10.84.2.2", 8443);
            s.send(new DatagramPacket(new byte[]{'h', 'i'}, 2, prompted));
            long id = EngineFixture.awaitPausedFlow(engine);
            assertThat(id).as("the prompt paused the flow").isPositive();
            assertThat(engine.control().resume(id, FinalVerdict.ALLOW)).isTrue();
            DatagramPacket in = new DatagramPacket(new byte[64], 64);
            s.receive(in); // the held datagram, relayed once allowed, echoed from the original address
            assertThat(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII)).isEqualTo("hi");
            assertThat(in.getSocketAddress()).isEqualTo(prompted);
            DatagramPacket again = EngineFixture.exchange(s, new byte[]{'2'}, prompted, 3000);
            assertThat(again).as("a later datagram, by the flow's label").isNotNull();
            List<Endpoint> up = upstreams(id);
            assertThat(up).as("relayed from the gateway's own socket: terminated").hasSize(1);
            assertThat(up.getFirst().address().getHostAddress()).isEqualTo("10.84.2.1");
        }
    }

    @Test
    void forwardedFlowsAreQueuedInPreroutingAndOnlyLabelledOnesTproxied() throws Exception {
        String mangle = gw.run("iptables", "-t", "mangle", "-S").orThrow().output();
        assertThat(mangle).contains("-A PREROUTING -i gw-c -j NETEXT-FP-20056-FWD")
                .contains("-A NETEXT-FP-20056-FWD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j NFQUEUE --queue-num 20056");
        assertThat(gw.run("iptables", "-S").orThrow().output()).contains("-A FORWARD -j NETEXT-FP-20056-REJ");
        String table = gw.run("nft", "list", "table", "inet", "netext-flow").orThrow().output();
        assertThat(table).contains("priority mangle + 1")
                .contains("iifname \"gw-c\" ct direction original ct label 78 meta nfproto ipv4 meta l4proto tcp meta mark set 0x4e580f01 tproxy ip to 127.0.0.1:");
    }

    /** The gateway namespace's conntrack accounting setting. */
    private static String accounting() throws Exception {
        return gw.sysctl(ACCOUNTING).strip();
    }

    /** The forwarded chain's counters: packets queued, and packets passed by their connection's accepted mark. */
    private static long[] counters(String cmd) throws Exception {
        return EngineFixture.fastPathCounters(gw, cmd, "mangle", "-FWD");
    }

    /** The local ends of the flow's upstream connections ({@code flow.upstream} messages). */
    private static List<Endpoint> upstreams(long id) throws InterruptedException {
        Thread.sleep(100); // an upstream message follows the verdict
        return events.stream().filter(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == id
                        && m.type().equals(FlowEvents.UPSTREAM_MESSAGE))
                .map(e -> Endpoint.parse(((ProviderEvent.ProviderMessage) e).attributes().get("local"))).toList();
    }

    /** Flow {@code id}'s closed event: the sweep (every 5 s) sees its conntrack entry closed. */
    private static ProviderEvent.FlowClosed awaitClosed(long id) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowClosed c && c.flowId() == id) return c;
            Thread.sleep(25);
        }
        throw new AssertionError("flow " + id + " was not closed: " + events);
    }
}
