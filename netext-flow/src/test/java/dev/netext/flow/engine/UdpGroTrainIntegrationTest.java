package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;
import dev.netext.flow.proxy.DatagramTrains;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A terminated UDP flow's relay reads GSO trains whole ({@code UDP_GRO}) and cuts them back into their datagrams: a
 * client (python3, namespace {@code client}, where the engine intercepts) sends one datagram, then a GSO train of
 * {@value #SEGMENTS} datagrams in one {@code send} ({@code UDP_SEGMENT}); a server (python3, namespace {@code server})
 * records what arrives and answers with a train of its own. A filter with per-datagram verdicts ({@code FilterData},
 * then pass-or-discard per datagram) must see every datagram of both trains alone with its size, the server must get
 * exactly the datagrams the filter passed, with their sizes, and so must the client. Without a filter on the data, a
 * train is passed on whole (one GSO send) and still arrives as its datagrams. Either way the relay must have read
 * trains (had the kernel cut them at the relay's socket, this would test nothing).
 */
class UdpGroTrainIntegrationTest {
    private static final int SEGMENTS = 20, SEGMENT = 1000, LAST = 300, REPLY_SEGMENTS = 12, REPLY_SEGMENT = 1200,
            REPLY_LAST = 77;
    /** The datagrams (by their first byte, the index in the train) the filter discards: outbound 3, inbound 5. */
    private static final int DISCARD_OUT = 3, DISCARD_IN = 5;
    private static final String SERVER_ADDRESS = "10.82.0.2";
    private static final int SERVER_PORT = 9000;

    /**
     * The server: echoes the opening datagram, records each later one ("index:length"), and after the train's last
     * one answers with a train: REPLY_SEGMENTS-1 datagrams of REPLY_SEGMENT bytes and one of REPLY_LAST, in one send.
     */
    private static final String SERVER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.settimeout(20)
            last, n, seg, tail = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
            d, peer = s.recvfrom(65535)
            s.sendto(d, peer)
            got = []
            while True:
                d, peer = s.recvfrom(65535)
                got.append("%d:%d" % (d[0], len(d)))
                if d[0] == last:
                    break
            train = b"".join(bytes([i]) * seg for i in range(n - 1)) + bytes([n - 1]) * tail
            s.setsockopt(17, 103, seg)  # SOL_UDP, UDP_SEGMENT
            s.sendto(train, peer)
            print(" ".join(got), flush=True)
            """;

    /** The client: the opening datagram and its echo, the train in one send, then what comes back ("index:length"). */
    private static final String CLIENT = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((sys.argv[1], int(sys.argv[2])))
            s.settimeout(5)
            n, seg, tail = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
            s.send(b"hello")
            s.recv(65535)
            train = b"".join(bytes([i]) * seg for i in range(n - 1)) + bytes([n - 1]) * tail
            s.setsockopt(17, 103, seg)  # SOL_UDP, UDP_SEGMENT
            s.send(train)
            got = []
            s.settimeout(3)
            try:
                while True:
                    d = s.recv(65535)
                    got.append("%d:%d" % (d[0], len(d)))
            except socket.timeout:
                pass
            print(" ".join(got), flush=True)
            """;

    private NetnsLab lab;
    private NetworkNamespace client, server;
    private FlowEngine engine;
    private Path dir;
    private final PerDatagramFilter filter = new PerDatagramFilter();
    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
        HostPackages.require("nft");
        HostPackages.require("python3");
        lab = NetnsLab.create();
        client = lab.namespace("client");
        server = lab.namespace("server");
        lab.veth(VethEnd.of("client", "gc0", "10.82.0.1/24"), VethEnd.of("server", "gs0", SERVER_ADDRESS + "/24"));
        dir = Files.createTempDirectory("netext-udpgro-it");
        FlowEngineConfig config = FlowEngineConfig.defaults("udp-gro", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withUdpIdleTimeout(Duration.ofSeconds(2)).withFastPath(false));
        engine = client.runInside(() -> FlowEngine.start(config, filter, List.of(), Map.of(), events::add,
                new AtomicLong(), null, new AtomicLong()::incrementAndGet));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (engine != null) client.runInside(() -> engine.close());
        } finally {
            if (lab != null) lab.close();
            if (dir != null) try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void aGsoTrainIsRelayedAsItsDatagramsEachJudgedAloneBothWays() throws Exception {
        Exchange x = exchange();
        List<String> outbound = expected(SEGMENTS, SEGMENT, LAST), inbound = expected(REPLY_SEGMENTS, REPLY_SEGMENT, REPLY_LAST);
        assertThat(filter.outbound).as("outbound datagrams the filter saw (after the opening one)")
                .containsExactlyElementsOf(withOpening(outbound));
        assertThat(filter.inbound).as("inbound datagrams the filter saw").containsExactlyElementsOf(withOpening(inbound));
        outbound.remove(DISCARD_OUT);
        inbound.remove(DISCARD_IN);
        assertThat(x.atServer).as("datagrams at the server").isEqualTo(String.join(" ", outbound));
        assertThat(x.atClient).as("datagrams back at the client").isEqualTo(String.join(" ", inbound));
        // both trains reached the relay whole: the client's through TPROXY on lo, the server's over the veth
        assertThat(x.trainDatagrams).as("datagrams the relay read in trains").isEqualTo(SEGMENTS + REPLY_SEGMENTS);
    }

    @Test
    void aTrainNoFilterLooksAtIsPassedOnWholeAndArrivesAsItsDatagrams() throws Exception {
        filter.watch = false;
        Exchange x = exchange();
        assertThat(filter.outbound).as("datagrams shown to the filter").isEmpty();
        assertThat(x.atServer).as("datagrams at the server")
                .isEqualTo(String.join(" ", expected(SEGMENTS, SEGMENT, LAST)));
        assertThat(x.atClient).as("datagrams back at the client")
                .isEqualTo(String.join(" ", expected(REPLY_SEGMENTS, REPLY_SEGMENT, REPLY_LAST)));
        assertThat(x.trainDatagrams).as("datagrams the relay read in trains").isEqualTo(SEGMENTS + REPLY_SEGMENTS);
        ProviderEvent.FlowClosed closed = null;
        for (int i = 0; i < 250 && closed == null; i++) { // idle after 2 s
            for (ProviderEvent e : events) if (e instanceof ProviderEvent.FlowClosed c) closed = c;
            Thread.sleep(20);
        }
        assertThat(closed).as("the flow closed").isNotNull();
        assertThat(closed.outboundBytes()).as("bytes out").isEqualTo(5L + (SEGMENTS - 1) * SEGMENT + LAST);
        assertThat(closed.inboundBytes()).as("bytes in").isEqualTo(5L + (REPLY_SEGMENTS - 1) * REPLY_SEGMENT + REPLY_LAST);
    }

    /** What the server and the client received ("index:length" each), and how many datagrams the relay read in trains. */
    private record Exchange(String atServer, String atClient, long trainDatagrams) {}

    private Exchange exchange() throws Exception {
        long trainsBefore = DatagramTrains.trainDatagrams();
        Process srv = server.exec("python3", "-c", SERVER, SERVER_ADDRESS, String.valueOf(SERVER_PORT),
                String.valueOf(SEGMENTS - 1), String.valueOf(REPLY_SEGMENTS), String.valueOf(REPLY_SEGMENT),
                String.valueOf(REPLY_LAST));
        try {
            Thread.sleep(300); // the server's socket is bound
            ExecResult c = client.run(Duration.ofSeconds(30), "python3", "-c", CLIENT, SERVER_ADDRESS,
                    String.valueOf(SERVER_PORT), String.valueOf(SEGMENTS), String.valueOf(SEGMENT), String.valueOf(LAST));
            assertThat(srv.waitFor(20, TimeUnit.SECONDS)).as("server done").isTrue();
            String atServer = new String(srv.getInputStream().readAllBytes()).strip();
            String atClient = c.output().strip();
            assertThat(c.exitCode()).as("client: %s", c).isZero();
            return new Exchange(atServer, atClient, DatagramTrains.trainDatagrams() - trainsBefore);
        } finally {
            srv.destroyForcibly();
        }
    }

    /** "index:length" of a train's datagrams. */
    private static List<String> expected(int segments, int segment, int last) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < segments; i++) l.add(i + ":" + (i == segments - 1 ? last : segment));
        return l;
    }

    private static List<String> withOpening(List<String> train) {
        List<String> l = new ArrayList<>(List.of("104:5")); // "hello" (and its echo): 'h' is 104
        l.addAll(train);
        return l;
    }

    /** Watches both directions of every flow and judges each datagram: passes it, except one index per direction. */
    private static final class PerDatagramFilter implements FilterDataProvider {
        final List<String> outbound = new CopyOnWriteArrayList<>(), inbound = new CopyOnWriteArrayList<>();
        /** false: every flow is allowed outright, its data unseen. */
        volatile boolean watch = true;

        @Override public void startFilter(FilterContext context, Map<String, Object> options) {}

        @Override public void stopFilter(StopReason reason) {}

        @Override public boolean needsProcess() { return false; }

        @Override
        public FilterVerdict handleNewFlow(Flow flow) {
            return watch ? FilterVerdict.filterData(4096, 4096) : FinalVerdict.ALLOW;
        }

        @Override
        public DataVerdict handleOutboundData(Flow flow, long offset, ByteBuffer data) {
            return judge(outbound, data, DISCARD_OUT);
        }

        @Override
        public DataVerdict handleInboundData(Flow flow, long offset, ByteBuffer data) {
            return judge(inbound, data, DISCARD_IN);
        }

        private static DataVerdict judge(List<String> seen, ByteBuffer data, int discard) {
            int index = Byte.toUnsignedInt(data.get(data.position())), len = data.remaining();
            seen.add(index + ":" + len);
            // pass exactly this datagram and look at the next; passing nothing discards it
            return DataVerdict.passAndPeek(index == discard ? 0 : len, 1);
        }
    }
}
