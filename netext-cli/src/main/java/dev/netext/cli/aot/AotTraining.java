package dev.netext.cli.aot;

import dev.netext.api.dns.DnsRecord;
import dev.netext.cli.Main;
import dev.netext.cli.StartupWarmup;
import dev.netext.lab.traffic.UdpProbe;
import dev.netext.linux.netns.NetworkNamespace;
import sun.misc.Signal;

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
import java.util.concurrent.TimeUnit;

/**
 * The workloads that train netext's AOT caches (bin/lib/aot-train.sh runs one per role, each in a throwaway network
 * namespace under {@code -XX:AOTCacheOutput} with that role's JVM options): {@code --role ROLE} runs the commands of
 * that role, each in-process as {@link Main#run} would, with real traffic, so the role's cache holds its classes
 * loaded and linked and the JIT's profiles of its hot paths (JEP 483, 515), and nothing of the other roles (the cache
 * loads every class it holds at start: one cache for all roles made every command load every role's classes).
 * Roles (bin/lib/jvm.sh's):
 * <ul>
 *   <li>{@code cli}: {@code --version}, {@code --help}, {@code status};</li>
 *   <li>{@code dns}: {@code dns serve} forwarding to a minimal upstream in this JVM, then the same names again from
 *       its cache;</li>
 *   <li>{@code up}: a {@code pong} tunnel (pings and UDP through it) and, with {@code --flow-target HOST:PORT} (an
 *       iperf3 server), a flow filter whose interception an iperf3 run goes through, then (with
 *       {@code --flow-server-namespace NS}, the namespace HOST is in) {@link #SHORT_FLOWS} short HTTP exchanges with a
 *       server this JVM opens there: a flow's setup on the fast path runs once per connection, and a user's first
 *       hundreds of flows ran it interpreted or in C1 without these profiles (docs/PERFORMANCE.md, "Why the full
 *       run's setup figure is higher");</li>
 *   <li>{@code wg} (needs the {@code --wg-*} options): {@code wg up} against the wireguard-go peer the script
 *       started, pings and a short iperf3 run through it;</li>
 *   <li>{@code daemon}: {@code netextd} running a pong tunnel and a flow filter (the same iperf3 run and short
 *       flows), asked for its status and flows over its control socket;</li>
 *   <li>{@code all}: every step above in one JVM (the single cache of before, kept for bench/startup.sh's
 *       comparison).</li>
 * </ul>
 * Each long-running command stops as it does for a user, on SIGTERM (raised in this process). A step that fails is
 * reported and skipped: a cache trained on less is still a cache.
 */
public final class AotTraining {
    private static final int DNS_PORT = 5399, UPSTREAM_PORT = 5398, QUERIES = 20_000;
    /** Short connections through the flow filter: 1-2 s of training, past the JIT's thresholds for the setup path. */
    static final int SHORT_FLOWS = 3_000;
    private static final Duration READY = Duration.ofSeconds(60);

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        // until a command installs its own handler, a raised SIGTERM must not end the training
        Signal.handle(new Signal("TERM"), s -> { });
        Main.keepNettyOutOfJfr(); // as Main.main does: a cache trained with Netty's JFR events would hold JFR's classes
        Path dir = Files.createTempDirectory("netext-aot");
        int failed = 0;
        try {
            String role = option(args, "--role");
            if (role == null) role = "all";
            boolean all = role.equals("all");
            if (!all && !List.of("cli", "dns", "up", "wg", "daemon").contains(role)) throw new IllegalArgumentException("no role " + role);
            String key = option(args, "--wg-private-key"), peer = option(args, "--wg-peer"), endpoint = option(args, "--wg-endpoint");
            String flowTarget = option(args, "--flow-target"), flowServerNamespace = option(args, "--flow-server-namespace");
            FlowTraffic flows = flowTarget == null ? null : new FlowTraffic(flowTarget, flowServerNamespace);
            if (all || role.equals("cli")) {
                failed += step("short commands", () -> {
                    Main.run("--version");
                    Main.run("--help");
                    Main.run("status");
                });
            }
            if (all || role.equals("dns")) failed += step("dns serve", AotTraining::dns);
            if (all || role.equals("up")) failed += step("up (pong tunnel)", () -> pong(dir));
            if (all || role.equals("wg")) {
                if (key != null) failed += step("wg up", () -> wireGuard(dir, key, peer, endpoint));
                else failed += step("wg up", () -> { throw new IOException("no wireguard-go peer (--wg-* options)"); });
            }
            if ((all || role.equals("up")) && flows != null) failed += step("up (flow filter)", () -> filteredFlow(dir, flows));
            if (all || role.equals("daemon")) failed += step("daemon", () -> daemon(dir, flows));
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
        System.out.println("aot training: done, " + failed + " step(s) failed");
        System.out.flush();
    }

    interface Step {
        void run() throws Exception;
    }

    private static int step(String name, Step s) {
        long t0 = System.nanoTime();
        try {
            s.run();
            System.out.printf("aot training: %s in %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
            return 0;
        } catch (Exception | AssertionError e) {
            System.out.println("aot training: " + name + " failed: " + e);
            return 1;
        }
    }

    private static void dns() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), UPSTREAM_PORT))) {
            Thread answering = Thread.ofPlatform().daemon().start(() -> answerEverything(upstream));
            Command serve = Command.start("dns", "serve", "--listen", "127.0.0.1:" + DNS_PORT, "--default", "127.0.0.1:" + UPSTREAM_PORT,
                    "--block", "ads.train.example", "--cache", "10000");
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                client.setSoTimeout(500);
                InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), DNS_PORT);
                long deadline = System.nanoTime() + READY.toNanos();
                while (!ask(client, server, 0, "ready.train.example")) {
                    if (System.nanoTime() > deadline || !serve.running()) throw new IOException("dns serve did not answer");
                }
                int answered = 0;
                for (int i = 0; i < QUERIES; i++) {
                    // 2000 names: the first pass forwards, the later ones come from the cache; every 50th is blocked
                    String name = i % 50 == 0 ? "ads.train.example" : "h" + (i % 2000) + ".train.example";
                    if (ask(client, server, i & 0xFFFF, name)) answered++;
                }
                if (answered < QUERIES / 2) throw new IOException("dns serve answered only " + answered + " of " + QUERIES);
            } finally {
                serve.stop();
                upstream.close();
                answering.join(2000);
            }
        }
    }

    private static void pong(Path dir) throws Exception {
        Command up = Command.start("up", pongProfile(dir).toString());
        try {
            awaitPing(up, "10.7.0.2");
            pongTraffic();
        } finally {
            up.stop();
        }
    }

    private static Path pongProfile(Path dir) throws IOException {
        return Files.writeString(dir.resolve("pong.yaml"), """
                name: aot-pong
                tunnel:
                  provider: pong
                  settings:
                    addresses: [10.7.0.1/24]
                    routes: [10.7.0.0/24]
                    mtu: 1400
                """);
    }

    private static void pongTraffic() throws Exception {
        UdpProbe.run(new InetSocketAddress("10.7.0.2", 7), 20_000, 1000, 32, Duration.ofSeconds(20));
        UdpProbe.run(new InetSocketAddress("10.7.0.2", 7), 20_000, 64, 32, Duration.ofSeconds(20));
        run("ping", "-c", "20", "-i", "0.01", "-W", "1", "10.7.0.2");
    }

    /**
     * netextd as its unit starts it, with a pong tunnel and (given an iperf3 server) a flow filter among its profiles;
     * status and flows asked over its control socket while traffic runs through both.
     */
    private static void daemon(Path dir, FlowTraffic flows) throws Exception {
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        pongProfile(profiles);
        if (flows != null) filterProfile(profiles);
        String control = dir.resolve("control.sock").toString();
        Command daemon = Command.start("daemon", "--profiles-dir", profiles.toString(), "--control", control,
                "--state-dir", Files.createDirectories(dir.resolve("state")).toString());
        try {
            awaitPing(daemon, "10.7.0.2");
            pongTraffic();
            if (flows != null) {
                awaitFilter(daemon);
                flows.run();
                Main.run("flows", "--json", "--control", control);
            }
            Main.run("status", "--control", control);
        } finally {
            daemon.stop();
        }
    }

    private static void wireGuard(Path dir, String privateKey, String peer, String endpoint) throws Exception {
        // named after this JVM: the interface's UAPI socket lives in the host's /var/run/wireguard, which two
        // trainings at once (two checkouts building) would otherwise both claim
        Path conf = Files.writeString(dir.resolve("aotwg" + ProcessHandle.current().pid() + ".conf"), """
                [Interface]
                PrivateKey = %s
                Address = 10.203.0.1/24
                ListenPort = 51820
                [Peer]
                PublicKey = %s
                Endpoint = %s
                AllowedIPs = 10.203.0.2/32
                """.formatted(privateKey, peer, endpoint));
        Command up = Command.start("wg", "up", conf.toString());
        try {
            awaitPing(up, "10.203.0.2");
            run("iperf3", "-c", "10.203.0.2", "-p", "5201", "-t", "3");
            run("iperf3", "-c", "10.203.0.2", "-p", "5201", "-t", "2", "-R");
        } finally {
            up.stop();
        }
    }

    private static void filteredFlow(Path dir, FlowTraffic flows) throws Exception {
        Command up = Command.start("up", filterProfile(dir).toString());
        try {
            awaitFilter(up);
            flows.run();
        } finally {
            up.stop();
        }
    }

    private static Path filterProfile(Path dir) throws IOException {
        return Files.writeString(dir.resolve("filter.yaml"), """
                name: aot-filter
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                """);
    }

    /** The filter is in place once nft lists its table; until then flows pass unfiltered. */
    private static void awaitFilter(Command c) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        while (!run("sh", "-c", "nft list tables | grep -q netext")) {
            if (System.nanoTime() > deadline || !c.running()) throw new IOException("the flow filter did not start");
            Thread.sleep(100);
        }
    }

    /** What goes through a flow filter: iperf3 to HOST:PORT, then short exchanges with a server in HOST's namespace. */
    record FlowTraffic(String host, int port, String serverNamespace) {
        FlowTraffic(String target, String serverNamespace) {
            this(target.substring(0, target.lastIndexOf(':')), Integer.parseInt(target.substring(target.lastIndexOf(':') + 1)),
                    serverNamespace);
        }

        void run() throws Exception {
            if (!AotTraining.run("iperf3", "-c", host, "-p", String.valueOf(port), "-t", "2"))
                throw new IOException("iperf3 through the filter failed");
            AotTraining.run("iperf3", "-c", host, "-p", String.valueOf(port), "-t", "1", "-P", "4");
            if (serverNamespace != null) shortFlows();
        }

        /**
         * {@link #SHORT_FLOWS} connections, each an HTTP request (its Host names the flow) answered by a server on
         * port+1 in the server's namespace, then closed: the fast path's setup, naming and close, many times.
         * Returns how many were answered; fails when fewer than half were.
         */
        int shortFlows() throws Exception {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(host), port + 1);
            try (ServerSocket listener = NetworkNamespace.of(serverNamespace).runInside(() -> new ServerSocket(
                    server.getPort(), 128, server.getAddress()))) {
                Thread.ofPlatform().daemon().name("aot-http").start(() -> answerEach(listener));
                int failures = 0;
                byte[] reply = new byte[256];
                for (int i = 0; i < SHORT_FLOWS; i++) {
                    try (Socket s = new Socket()) {
                        s.connect(server, 2_000);
                        s.setSoTimeout(2_000);
                        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: flow" + (i % 64) + ".train.example\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        if (s.getInputStream().read(reply) <= 0) failures++;
                    } catch (IOException e) {
                        failures++;
                    }
                }
                if (failures > SHORT_FLOWS / 2) throw new IOException(failures + " of " + SHORT_FLOWS + " short flows failed");
                return SHORT_FLOWS - failures;
            }
        }

        private static void answerEach(ServerSocket listener) {
            byte[] request = new byte[1024];
            byte[] response = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(2_000);
                    if (s.getInputStream().read(request) > 0) s.getOutputStream().write(response);
                } catch (IOException e) {
                    // closed at the end of the training, or one client gone: the next one
                }
            }
        }
    }

    private static void awaitPing(Command c, String address) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        while (!run("ping", "-c", "1", "-W", "1", address)) {
            if (System.nanoTime() > deadline || !c.running()) throw new IOException("no ping through " + address);
            Thread.sleep(100);
        }
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    /** A netext command running in this JVM, on its own thread, until {@link #stop}. */
    private record Command(Thread thread, List<String> args) {
        static Command start(String... args) {
            List<String> a = List.of(args);
            StartupWarmup.start(args); // as Main.main does: its classes and the work it does go into the cache
            return new Command(Thread.ofPlatform().name("aot-" + args[0]).start(() -> Main.run(args)), a);
        }

        boolean running() { return thread.isAlive(); }

        /** SIGTERM, as a user's Ctrl-C, repeated until the command has installed its handler and returned. */
        void stop() throws InterruptedException {
            for (int i = 0; i < 120 && thread.isAlive(); i++) {
                Signal.raise(new Signal("TERM"));
                thread.join(500);
            }
            if (thread.isAlive()) throw new IllegalStateException(args + " did not stop");
        }
    }

    /** The upstream: an A record 10.0.0.1 (TTL one hour) for every question it receives. */
    private static void answerEverything(DatagramSocket s) {
        byte[] buf = new byte[512];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                int n = p.getLength();
                if (n < 12) continue;
                byte[] r = new byte[n + 16];
                System.arraycopy(buf, 0, r, 0, n);
                r[2] = (byte) 0x81; r[3] = (byte) 0x80; // response, recursion desired and available, NOERROR
                r[7] = 1; // one answer
                int a = n;
                r[a] = (byte) 0xC0; r[a + 1] = 12; // the question's name
                r[a + 3] = 1; r[a + 5] = 1; // type A, class IN
                r[a + 7] = 0x0E; r[a + 8] = 0x10; // TTL 3600
                r[a + 11] = 4; r[a + 12] = 10; r[a + 15] = 1; // 10.0.0.1
                s.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
            }
        } catch (IOException closed) {
            // training over
        }
    }

    private static boolean ask(DatagramSocket client, InetSocketAddress server, int id, String name) throws IOException {
        byte[] n = DnsRecord.encodeName(name);
        byte[] q = new byte[12 + n.length + 4];
        q[0] = (byte) (id >>> 8); q[1] = (byte) id; q[2] = 1; q[5] = 1; // recursion desired, one question
        System.arraycopy(n, 0, q, 12, n.length);
        q[q.length - 3] = 1; q[q.length - 1] = 1; // type A, class IN
        client.send(new DatagramPacket(q, q.length, server));
        byte[] in = new byte[512];
        try {
            client.receive(new DatagramPacket(in, in.length));
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private static String option(String[] args, String name) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return args[i + 1];
        return null;
    }
}
