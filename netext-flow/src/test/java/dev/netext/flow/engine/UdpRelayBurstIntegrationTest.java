package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay of an established intercepted UDP flow under a burst (recvmmsg batches in, sendmmsg batches out): a
 * client in namespace {@code client} (where the engine intercepts) sends 10 000 numbered datagrams as fast as its
 * socket takes them to a recording echo in namespace {@code server}. Both directions must arrive in order, and every
 * datagram missing must be one a socket buffer in the two namespaces counted as dropped ({@code /proc/net/snmp}'s
 * Udp InErrors / SndbufErrors, the links' drops). Datagrams up to the UDP maximum come back whole: a batch slot
 * smaller than a datagram would cut it silently. A path that stops taking UDP GSO runs (its MTU lowered under the
 * datagrams' size) still gets every datagram, in order.
 */
class UdpRelayBurstIntegrationTest {
    private static final int BURST = 10_000, SIZE = 1200;
    private static final InetSocketAddress SERVER = new InetSocketAddress("10.81.0.2", 9000);

    private NetnsLab lab;
    private NetworkNamespace client, server;
    private FlowEngine engine;
    private Path dir;
    private RecordingEcho echo;
    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
        HostPackages.require("nft");
        lab = NetnsLab.create();
        client = lab.namespace("client");
        server = lab.namespace("server");
        lab.veth(VethEnd.of("client", "bc0", "10.81.0.1/24"), VethEnd.of("server", "bs0", "10.81.0.2/24"));
        echo = server.runInside(() -> RecordingEcho.open(SERVER, BURST + 16));
        dir = Files.createTempDirectory("netext-udpburst-it");
        RulesFilter allowAll = new RulesFilter(List.of(), RuleAction.ALLOW, Duration.ofSeconds(5), FinalVerdict.DROP,
                DropMode.RESET);
        FlowEngineConfig config = FlowEngineConfig.defaults("udp-burst", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                // the relay is what is tested: the fast path would leave an allowed flow to the kernel
                .withInterception(InterceptionOptions.DEFAULT.withUdpIdleTimeout(Duration.ofSeconds(2)).withFastPath(false));
        engine = client.runInside(() -> FlowEngine.start(config, allowAll, List.of(), null, events::add, new AtomicLong(), null, new AtomicLong()::incrementAndGet));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (engine != null) client.runInside(() -> engine.close());
        } finally {
            if (echo != null) echo.close();
            if (lab != null) lab.close();
            if (dir != null) try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void aBurstOfTenThousandDatagramsIsRelayedInOrderBothWaysLosingOnlyWhatSocketBuffersCounted() throws Exception {
        try (DatagramSocket socket = client.runInside(() -> new DatagramSocket())) {
            socket.connect(SERVER);
            long flowId = establish(socket, SIZE);
            Burst b = burst(socket, BURST, SIZE);
            ProviderEvent.FlowClosed closed = closed(flowId);
            assertThat(closed.outboundBytes()).as("bytes relayed out").isBetween((1L + b.arrived.length) * SIZE,
                    (1L + BURST) * SIZE);
            assertThat(closed.inboundBytes()).as("bytes relayed back").isBetween((1L + b.echoed.length) * SIZE,
                    (1L + b.arrived.length) * SIZE);
        }
    }

    @Test
    void aPathThatRefusesGsoGetsTheRunAgainDatagramByDatagram() throws Exception {
        try (DatagramSocket socket = client.runInside(() -> new DatagramSocket())) {
            socket.connect(SERVER);
            int size = 1400;
            establish(socket, size); // the relay learns the path MTU (1500) now
            // below the datagrams' size: the kernel refuses a GSO run of them (EINVAL); sent singly, they are fragmented
            client.ip("link", "set", "bc0", "mtu", "1280").orThrow();
            server.ip("link", "set", "bs0", "mtu", "1280").orThrow();
            burst(socket, 1000, size);
        }
    }

    private record Burst(int[] arrived, int[] echoed) {}

    /**
     * {@code count} numbered datagrams of {@code size} as fast as the socket takes them, the echoes read meanwhile:
     * both directions in order, intact, every one missing counted as dropped on the way.
     */
    private Burst burst(DatagramSocket socket, int count, int size) throws Exception {
        socket.setReceiveBufferSize(4 << 20); // the echoes of a burst (up to net.core.rmem_max)
        long before = drops();
        long clientBefore = clientDrops();
        // the echoes are read while the burst goes out, as a real client would, so its own buffer is no limit
        CompletableFuture<int[]> echoes = CompletableFuture.supplyAsync(() -> receiveEchoes(socket, count));
        byte[] out = new byte[size];
        for (int seq = 0; seq < count; seq++) {
            ByteBuffer.wrap(out).putInt(seq);
            Arrays.fill(out, 4, size, (byte) seq);
            socket.send(new DatagramPacket(out, size));
        }
        int[] echoed = echoes.get(60, TimeUnit.SECONDS);
        Thread.sleep(200); // the last drops are counted
        long dropped = drops() - before;
        int[] arrived = echo.received();
        System.out.printf("burst of %d x %d bytes: %d reached the server, %d echoes came back; dropped on the way: %d"
                + " (client namespace, relay included: %d)%n", count, size, arrived.length, echoed.length, dropped,
                clientDrops() - clientBefore);

        assertThat(strictlyIncreasing(arrived)).as("order at the server").isTrue();
        assertThat(strictlyIncreasing(echoed)).as("order of the echoes back at the client").isTrue();
        assertThat(echo.badPayloads()).as("datagrams that arrived changed").isZero();
        // each datagram lost on the way out or on the way back is one a socket buffer, a link or reassembly dropped
        assertThat((long) count - echoed.length).as("lost of %d (server got %d; dropped on the way: %d)",
                count, arrived.length, dropped).isLessThanOrEqualTo(dropped);
        assertThat(echoed.length).as("echoes back").isPositive();
        return new Burst(arrived, echoed);
    }

    @Test
    void datagramsUpToTheUdpMaximumAreRelayedWholeBothWays() throws Exception {
        try (DatagramSocket socket = client.runInside(() -> new DatagramSocket())) {
            socket.connect(SERVER);
            establish(socket, SIZE);
            int seq = 0;
            for (int size : new int[] {65_507, 2049, 30_000, 4, 65_507}) { // IPv4's largest UDP payload, and odd sizes
                byte[] out = new byte[size];
                ByteBuffer.wrap(out).putInt(++seq);
                Arrays.fill(out, 4, size, (byte) seq);
                socket.send(new DatagramPacket(out, size));
                DatagramPacket in = receive(socket, Duration.ofSeconds(3));
                assertThat(in).as("echo of a %d-byte datagram", size).isNotNull();
                assertThat(in.getLength()).as("length of the echo of a %d-byte datagram", size).isEqualTo(size);
                assertThat(Arrays.equals(in.getData(), 0, size, out, 0, size)).as("echo of a %d-byte datagram intact", size).isTrue();
            }
        }
    }

    /** The flow's first datagram and its echo: the flow is decided and relaying; its id. */
    private long establish(DatagramSocket socket, int size) throws Exception {
        byte[] hello = new byte[size];
        ByteBuffer.wrap(hello).putInt(-1);
        socket.send(new DatagramPacket(hello, size));
        DatagramPacket in = receive(socket, Duration.ofSeconds(5));
        assertThat(in).as("the opening datagram's echo").isNotNull();
        for (int i = 0; i < 250; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowOpened o && o.flow().local().port() == socket.getLocalPort())
                    return o.flow().id();
            Thread.sleep(20);
        }
        throw new AssertionError("no FlowOpened for port " + socket.getLocalPort() + ": " + events);
    }

    /** The sequence numbers echoed back, in arrival order, until none came for two seconds. */
    private static int[] receiveEchoes(DatagramSocket socket, int expected) {
        int[] got = new int[expected];
        int count = 0;
        try {
            DatagramPacket in;
            while (count < expected && (in = receive(socket, Duration.ofSeconds(2))) != null)
                if (in.getLength() >= 4) got[count++] = ByteBuffer.wrap(in.getData()).getInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Arrays.copyOf(got, count);
    }

    /** One datagram, or null after {@code timeout}. */
    private static DatagramPacket receive(DatagramSocket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
        try {
            socket.receive(p);
            return p;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private ProviderEvent.FlowClosed closed(long flowId) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowClosed c && c.flowId() == flowId) return c;
            Thread.sleep(20);
        }
        throw new AssertionError("flow " + flowId + " never closed (idle timeout 2 s)");
    }

    private static boolean strictlyIncreasing(int[] seqs) {
        for (int i = 1; i < seqs.length; i++) if (seqs[i] <= seqs[i - 1]) return false;
        return true;
    }

    /** Datagrams dropped in both namespaces: by UDP sockets, by IP reassembly (/proc/net/snmp), by the links. */
    private long drops() throws IOException {
        return clientDrops() + snmpDrops(server) + linkDrops(server, "bs0");
    }

    private long clientDrops() throws IOException {
        return snmpDrops(client) + linkDrops(client, "lo") + linkDrops(client, "bc0");
    }

    /**
     * /proc/net/snmp's Udp InErrors (every datagram a receive queue refused: RcvbufErrors, MemErrors, …) and
     * SndbufErrors, and Ip ReasmFails (a fragmented datagram lost a fragment).
     */
    private static long snmpDrops(NetworkNamespace ns) throws IOException {
        List<String> snmp = ns.run("cat", "/proc/net/snmp").orThrow().output().lines().toList();
        return counter(snmp, "Udp:", "InErrors") + counter(snmp, "Udp:", "SndbufErrors") + counter(snmp, "Ip:", "ReasmFails");
    }

    private static long counter(List<String> snmp, String table, String name) {
        List<String> rows = snmp.stream().filter(l -> l.startsWith(table)).toList();
        List<String> names = List.of(rows.get(0).split("\\s+")), values = List.of(rows.get(1).split("\\s+"));
        return Long.parseLong(values.get(names.indexOf(name)));
    }

    private static long linkDrops(NetworkNamespace ns, String link) throws IOException {
        String out = ns.run("cat", "/sys/class/net/" + link + "/statistics/rx_dropped",
                "/sys/class/net/" + link + "/statistics/tx_dropped").orThrow().output();
        return out.lines().mapToLong(l -> Long.parseLong(l.strip())).sum();
    }

    /**
     * An RFC 862 echo on a platform thread that also writes down, in arrival order, the sequence number each numbered
     * datagram starts with (opening datagrams, numbered -1, are not) and whether the rest is that number's byte.
     */
    static final class RecordingEcho implements AutoCloseable {
        private final DatagramSocket socket;
        private final int[] received;
        private final Thread thread;
        private volatile int count, badPayloads;

        private RecordingEcho(DatagramSocket socket, int capacity) {
            this.socket = socket;
            this.received = new int[capacity];
            this.thread = Thread.ofPlatform().daemon().name("udp-recording-echo").start(this::serve);
        }

        static RecordingEcho open(InetSocketAddress at, int capacity) throws IOException {
            DatagramSocket s = new DatagramSocket(at);
            s.setReceiveBufferSize(4 << 20);
            return new RecordingEcho(s, capacity);
        }

        int[] received() { return Arrays.copyOf(received, count); }

        int badPayloads() { return badPayloads; }

        private void serve() {
            DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
            try {
                while (true) {
                    p.setLength(65_536);
                    socket.receive(p);
                    record(p.getData(), p.getLength());
                    socket.send(p);
                }
            } catch (IOException closed) {
                // closed: done
            }
        }

        private void record(byte[] data, int length) {
            if (length < 4) return;
            int seq = ByteBuffer.wrap(data).getInt();
            if (seq < 0) return;
            for (int i = 4; i < length; i++)
                if (data[i] != (byte) seq) {
                    badPayloads++;
                    break;
                }
            if (count < received.length) received[count++] = seq;
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }
}
