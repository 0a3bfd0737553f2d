package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.nfqueue.VerdictSteering;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * What the engine's integration tests share: an engine started inside a lab namespace with its events collected, the
 * check that closing it left no interception behind, and the origin servers and clean-up around it.
 */
public final class EngineFixture {
    private EngineFixture() {}

    /** Skips the test class unless this JVM runs as root (namespaces, nft). */
    public static void assumeRoot() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
    }

    /** curl in {@code ns} with {@code args} (≤ 20 s). */
    public static ExecResult curl(NetworkNamespace ns, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "curl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return ns.run(Duration.ofSeconds(20), cmd);
    }

    /** {@code cmd} run in {@code ns} on another thread (≤ 30 s), for a client a test answers while it waits. */
    public static CompletableFuture<ExecResult> runAsync(NetworkNamespace ns, String... cmd) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ns.run(Duration.ofSeconds(30), cmd);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The id of the first flow the engine holds paused (a prompt), once there is one within 10 s; else -1. */
    public static long awaitPausedFlow(FlowEngine engine) throws InterruptedException {
        long id = -1;
        for (int i = 0; i < 400 && id < 0; i++) {
            id = engine.pausedFlows().stream().findFirst().orElse(-1L);
            if (id < 0) Thread.sleep(25);
        }
        return id;
    }

    /** A UDP socket made in {@code ns} (usable from any thread), with a 3 s receive timeout. */
    public static DatagramSocket udpSocket(NetworkNamespace ns) throws Exception {
        DatagramSocket s = ns.runInside(() -> new DatagramSocket(0));
        s.setSoTimeout(3000);
        return s;
    }

    /** Sends {@code out} to {@code to} and waits up to {@code timeoutMillis} for one datagram back; null if none. */
    public static DatagramPacket exchange(DatagramSocket s, byte[] out, InetSocketAddress to, int timeoutMillis) throws Exception {
        s.setSoTimeout(timeoutMillis);
        s.send(new DatagramPacket(out, out.length, to));
        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
        try {
            s.receive(in);
            return in;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /**
     * The fast path's counters in {@code ns} ({@code cmd}: iptables or ip6tables): packets its chain queued, and
     * packets it returned to the kernel by their connection's accepted mark, so far.
     */
    public static long[] fastPathCounters(NetworkNamespace ns, String cmd) throws Exception {
        return fastPathCounters(ns, cmd, "filter", "-OUT");
    }

    /**
     * The same for the chain of {@code table} named by {@code suffix}: {@code mangle -FWD} is forwarded flows',
     * {@code filter -IN} the server's side of local ones.
     */
    public static long[] fastPathCounters(NetworkNamespace ns, String cmd, String table, String suffix) throws Exception {
        String chain = VerdictSteering.chainPrefix(FlowEngine.VERDICT_QUEUE) + suffix;
        String out = ns.run(cmd, "-t", table, "-L", chain, "-v", "-x", "-n").orThrow().output();
        long queued = 0, accepted = 0;
        String acceptedMark = "0x" + Integer.toHexString(VerdictSteering.ACCEPTED) + "/0x"
                + Integer.toHexString(VerdictSteering.FIELD);
        // -IN (the server's side): its first rule passes every packet of a connection no longer pending
        String notPending = "! 0x" + Integer.toHexString(VerdictSteering.PENDING) + "/0x"
                + Integer.toHexString(VerdictSteering.FIELD);
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || !f[0].matches("\\d+")) continue;
            if (f[2].equals("NFQUEUE")) queued += Long.parseLong(f[0]);
            if (f[2].equals("RETURN") && (line.contains(acceptedMark) || line.contains(notPending)))
                accepted += Long.parseLong(f[0]);
        }
        return new long[]{queued, accepted};
    }

    /**
     * A TCP server in {@code ns} that speaks first: to each connection it accepts it writes a banner and closes
     * ({@link Greeting#BANNER}), or closes at once ({@link Greeting#CLOSE}: its FIN comes first), or resets at once
     * ({@link Greeting#RESET}: SO_LINGER 0).
     */
    public record BannerServer(ServerSocket socket, Thread serving, AtomicInteger count)
            implements AutoCloseable {
        public enum Greeting { BANNER, CLOSE, RESET }

        public static BannerServer open(NetworkNamespace ns, String address, int port) throws Exception {
            return open(ns, address, port, Greeting.BANNER);
        }

        public static BannerServer open(NetworkNamespace ns, String address, int port, Greeting greeting) throws Exception {
            ServerSocket socket = ns.runInside(() -> new ServerSocket(port, 16,
                    InetAddress.getByName(address)));
            var count = new AtomicInteger();
            Thread serving = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        count.incrementAndGet();
                        switch (greeting) {
                            case BANNER -> s.getOutputStream().write("220 banner\r\n".getBytes(StandardCharsets.US_ASCII));
                            case CLOSE -> { } // closed by the try
                            case RESET -> s.setSoLinger(true, 0);
                        }
                    } catch (IOException e) {
                        if (socket.isClosed()) return;
                    }
                }
            });
            return new BannerServer(socket, serving, count);
        }

        public int port() { return socket.getLocalPort(); }

        /** Connections accepted so far. */
        public int accepted() { return count.get(); }

        /**
         * What a client in {@code ns} reads from this server: {@code read 'c'} (its first byte), {@code closed},
         * {@code reset: MESSAGE}, or {@code no answer in 8 s}.
         */
        public String firstByteFrom(NetworkNamespace ns) throws Exception {
            return ns.runInside(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(socket.getInetAddress(), port()), 5000);
                    s.setSoTimeout(8000);
                    int first = s.getInputStream().read();
                    return first < 0 ? "closed" : "read '" + (char) first + "'";
                } catch (SocketTimeoutException e) {
                    return "no answer in 8 s";
                } catch (IOException e) {
                    return "reset: " + e.getMessage();
                }
            });
        }

        @Override
        public void close() throws Exception {
            socket.close();
            serving.join(2000);
        }
    }

    /** A client namespace (where the engine runs) and a server namespace on one veth. */
    public record ClientServer(NetworkNamespace client, NetworkNamespace server) {}

    /**
     * Namespaces {@code client} and {@code server} of {@code lab} on one veth ({@code c0}, {@code s0}): client
     * {@code NET.1/24}, server {@code NET.2/24} ({@code net}: three octets); with {@code v6} (a /64 prefix such as
     * {@code "fd77::"}) also {@code v6 1} and {@code v6 2}.
     */
    public static ClientServer clientServer(NetnsLab lab, String net, String v6) throws Exception {
        NetworkNamespace client = lab.namespace("client"), server = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c0", net + ".1/24"), VethEnd.of("server", "s0", net + ".2/24"));
        if (v6 != null) {
            client.ip("-6", "addr", "add", v6 + "1/64", "dev", "c0", "nodad").orThrow();
            server.ip("-6", "addr", "add", v6 + "2/64", "dev", "s0", "nodad").orThrow();
        }
        return new ClientServer(client, server);
    }

    /** Starts an engine in {@code ns} that offers allowed flows to {@code proxies} and adds its events to {@code events}. */
    public static FlowEngine start(NetworkNamespace ns, FlowEngineConfig config, FilterDataProvider filter,
                            List<FlowProxy> proxies, List<ProviderEvent> events) throws Exception {
        return ns.runInside(() -> FlowEngine.start(config, filter, proxies, null, events::add, new AtomicLong(), null,
                new AtomicLong()::incrementAndGet));
    }

    /**
     * The end of an engine test class: closes {@code engine} in {@code ns} and checks that it took its interception
     * with it, then (even when that fails) closes the lab and deletes {@code dir}. Any argument may be null (a set-up
     * that failed half-way).
     */
    public static void tearDown(NetnsLab lab, NetworkNamespace ns, FlowEngine engine, Path dir) throws Exception {
        try {
            closeChecked(ns, engine);
        } finally {
            if (lab != null) lab.close();
            deleteTree(dir);
        }
    }

    /** Closes {@code engine} (if any) inside {@code ns}, then checks that {@code ns} keeps no interception. */
    public static void closeChecked(NetworkNamespace ns, FlowEngine engine) throws Exception {
        if (engine != null) ns.runInside(() -> engine.close());
        if (ns != null) assertNoInterceptionLeft(ns);
    }

    /** No nft table, policy rule or route of the engine's interception is left in {@code ns}. */
    public static void assertNoInterceptionLeft(NetworkNamespace ns) throws Exception {
        assertThat(ns.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
        assertThat(ns.ip("rule").output()).doesNotContain("0x4e580f01");
        assertThat(ns.ip("-6", "rule").output()).doesNotContain("0x4e580f01");
        assertThat(ns.ip("route", "show", "table", "52101").output()).isBlank();
        assertThat(ns.ip("-6", "route", "show", "table", "52101").output()).isBlank();
    }

    /** The first {@code FlowOpened} in {@code events} that {@code which} accepts, once it comes (≤ 3 s). */
    public static ProviderEvent.FlowOpened awaitOpened(List<ProviderEvent> events,
                                                       Predicate<ProviderEvent.FlowOpened> which) throws InterruptedException {
        for (int i = 0; i < 150; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowOpened o && which.test(o)) return o;
            Thread.sleep(20);
        }
        throw new AssertionError("no such FlowOpened in " + events);
    }

    /** A flow named {@code host} (by whatever source: SNI, Host header, DNS). */
    public static Predicate<ProviderEvent.FlowOpened> named(String host) {
        return o -> o.flow().hostname().map(HostnameInfo::hostname).filter(host::equals).isPresent();
    }

    /** The filter's verdicts about flow {@code flowId} so far, in order. */
    public static List<FilterVerdict> verdicts(List<ProviderEvent> events, long flowId) {
        return events.stream().filter(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == flowId)
                .map(e -> (FilterVerdict) ((ProviderEvent.FlowVerdict) e).verdict()).toList();
    }

    /** Flow {@code flowId}'s {@code FlowClosed}, once it comes (≤ 8 s: a UDP flow closes when idle). */
    public static ProviderEvent.FlowClosed awaitClosed(List<ProviderEvent> events, long flowId) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            for (ProviderEvent e : events)
                if (e instanceof ProviderEvent.FlowClosed c && c.flowId() == flowId) return c;
            Thread.sleep(20);
        }
        throw new AssertionError("flow " + flowId + " never closed: " + events);
    }

    /** The opened, verdict and closed events of flow {@code flowId} so far, in order. */
    public static List<ProviderEvent> eventsOf(List<ProviderEvent> events, long flowId) {
        return events.stream().filter(e -> switch (e) {
            case ProviderEvent.FlowOpened o -> o.flowId() == flowId;
            case ProviderEvent.FlowVerdict v -> v.flowId() == flowId;
            case ProviderEvent.FlowClosed c -> c.flowId() == flowId;
            default -> false;
        }).toList();
    }

    public static void deleteTree(Path dir) throws Exception {
        if (dir == null) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /**
     * Python's {@code http.server} in {@code ns} on {@code bind} port 80, serving {@code dir}, once it listens. exec,
     * not run: the lab tracks it and kills it at close; sh execs into python, keeping the pid.
     */
    public static void serveDirectory(NetworkNamespace ns, String bind, Path dir) throws Exception {
        ns.exec("sh", "-c", "exec /usr/bin/python3 -m http.server 80 --bind " + bind + " --directory '" + dir
                + "' > /dev/null 2>&1");
        awaitTcpListening(ns, 80);
    }

    /** Waits (≤ 5 s) until something in {@code ns} listens on TCP {@code port}. */
    public static void awaitTcpListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Htln", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException(ns + " port " + port + " never listened");
    }

    /** Waits (≤ 5 s) until something in {@code ns} listens on UDP {@code port}. */
    public static void awaitUdpListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Hunl", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException(ns + " UDP port " + port + " never bound");
    }
}
