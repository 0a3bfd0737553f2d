package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Attribution coverage for short-lived clients: 100 {@code curl} and 100 {@code nc} processes, four at a time, each
 * making one TCP connection to a Java server in a lab namespace. The server attributes every accepted connection at
 * once (as the flow engine does when a flow is first seen), before answering. Each client sends a tag naming
 * itself, so every attribution is checked against the pid, executable, uid and cgroup of the process the test
 * launched: an attribution that differs in any of them fails the test outright, and coverage (all of them right)
 * must reach 95%.
 *
 * <p>A second run attributes only after the client has exited and its socket closed: the attributor must then
 * report no process at all (never the wrong one). Coverage figures are printed.
 */
class AttributionCoverageTest {
    private static final int PER_CLIENT = 100;
    /** The clients inherit the test JVM's cgroup: `ip netns exec` moves no process to another one. */
    private static final java.util.Optional<String> OUR_CGROUP = ourCgroup();

    private static java.util.Optional<String> ourCgroup() {
        try {
            return Files.readString(Path.of("/proc/self/cgroup")).lines().filter(l -> l.startsWith("0::"))
                    .map(l -> l.substring(3)).findFirst();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    record Outcome(ProcessInfo info, long micros) {}

    @Test
    void shortLivedCurlAndNcAreAttributedToTheirProcess() throws Exception {
        Root.assumeRoot();
        Path curl = Path.of("/usr/bin/curl");
        Path nc = Path.of("/usr/bin/nc");
        HostPackages.require(curl.toString(), nc.toString());
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("cov");
            try (ServerSocketChannel server = ns.runInside(() ->
                         ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64));
                 ProcessAttributor attributor = ns.runInside(ProcessAttributor::open)) {
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                Map<String, Outcome> seen = new ConcurrentHashMap<>();
                Thread acceptor = Thread.ofPlatform().name("coverage-server").start(() -> serve(server, attributor, seen, null));
                Map<String, Integer> launched = new ConcurrentHashMap<>();
                ExecutorService clients = Executors.newFixedThreadPool(4);
                try {
                    List<Future<?>> runs = new java.util.ArrayList<>();
                    for (int i = 0; i < PER_CLIENT; i++) {
                        String curlTag = "curl-" + i, ncTag = "nc-" + i;
                        runs.add(clients.submit(() -> runCurl(ns, port, curlTag, launched)));
                        runs.add(clients.submit(() -> runNc(ns, port, ncTag, launched, null)));
                    }
                    for (Future<?> f : runs) f.get(60, TimeUnit.SECONDS);
                } finally {
                    clients.shutdownNow();
                }
                waitFor(() -> seen.size() >= launched.size(), 10_000);
                server.close();
                acceptor.join(5_000);

                Report curlReport = report("curl", launched, seen, curl.toRealPath());
                Report ncReport = report("nc", launched, seen, nc.toRealPath());
                System.out.printf("attribution coverage (immediate): curl %s; nc %s; full /proc scans %d, cache hits %d%n",
                        curlReport, ncReport, attributor.index().scans(), attributor.index().cacheHits());
                assertThat(curlReport.wrong).as("connections attributed to another process").isZero();
                assertThat(ncReport.wrong).as("connections attributed to another process").isZero();
                assertThat(curlReport.right).isGreaterThanOrEqualTo(PER_CLIENT * 95 / 100);
                assertThat(ncReport.right).isGreaterThanOrEqualTo(PER_CLIENT * 95 / 100);
            }
        }
    }

    @Test
    void afterTheClientExitedNothingIsAttributed() throws Exception {
        Root.assumeRoot();
        HostPackages.require("nc");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("late");
            try (ServerSocketChannel server = ns.runInside(() ->
                         ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64));
                 ProcessAttributor attributor = ns.runInside(ProcessAttributor::open)) {
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                Map<String, Outcome> seen = new ConcurrentHashMap<>();
                Map<String, CountDownLatch> exited = new ConcurrentHashMap<>();
                Thread acceptor = Thread.ofPlatform().start(() -> serve(server, attributor, seen, exited::get));
                Map<String, Integer> launched = new ConcurrentHashMap<>();
                int n = 20;
                for (int i = 0; i < n; i++) {
                    String tag = "nc-" + i;
                    exited.put(tag, new CountDownLatch(1));
                    runNc(ns, port, tag, launched, exited.get(tag));
                }
                waitFor(() -> seen.size() >= n, 10_000);
                server.close();
                acceptor.join(5_000);
                long withPid = seen.values().stream().filter(o -> o.info.pid().isPresent()).count();
                System.out.printf("attribution after exit: %d of %d with a pid (expected 0)%n", withPid, seen.size());
                assertThat(seen).hasSize(n);
                assertThat(withPid).isZero();
            }
        }
    }

    record Report(int launched, int right, int wrong, int socketOnly, int missing, long medianMicros) {
        @Override
        public String toString() {
            return right + "/" + launched + " with pid, exe, uid and cgroup right (" + wrong + " wrong, " + socketOnly + " uid only, " + missing
                    + " nothing), median " + medianMicros + " µs per attribution";
        }
    }

    private static Report report(String kind, Map<String, Integer> launched, Map<String, Outcome> seen, Path exe) {
        int right = 0, wrong = 0, socketOnly = 0, missing = 0, total = 0;
        List<Long> micros = new java.util.ArrayList<>();
        for (Map.Entry<String, Integer> e : launched.entrySet()) {
            if (!e.getKey().startsWith(kind + "-")) continue;
            total++;
            Outcome o = seen.get(e.getKey());
            if (o == null) {
                missing++;
                continue;
            }
            micros.add(o.micros);
            ProcessInfo p = o.info;
            if (p.pid().isEmpty()) {
                if (p.uid().isPresent()) socketOnly++;
                else missing++;
            } else if (p.pid().getAsInt() == e.getValue() && p.executable().filter(exe::equals).isPresent()
                    && p.uid().orElse(-1) == 0 && p.cgroupPath().equals(OUR_CGROUP)) {
                right++;
            } else {
                wrong++;
            }
        }
        micros.sort(null);
        return new Report(total, right, wrong, socketOnly, missing, micros.isEmpty() ? -1 : micros.get(micros.size() / 2));
    }

    /**
     * Accepts until closed. Attributes each connection at once — or, when {@code exitedOf} is given, only after the
     * client's process has exited — then reads the client's tag line and answers.
     */
    private static void serve(ServerSocketChannel server, ProcessAttributor attributor, Map<String, Outcome> seen,
                              Function<String, CountDownLatch> exitedOf) {
        while (true) {
            try (SocketChannel c = server.accept()) {
                InetSocketAddress clientEnd = (InetSocketAddress) c.getRemoteAddress();
                InetSocketAddress serverEnd = (InetSocketAddress) c.getLocalAddress();
                Outcome o = null;
                if (exitedOf == null) o = attribute(attributor, clientEnd, serverEnd);
                String tag = readTag(c);
                c.write(java.nio.ByteBuffer.wrap("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                c.shutdownOutput();
                if (exitedOf != null) {
                    c.close();
                    CountDownLatch exited = exitedOf.apply(tag);
                    if (exited != null) exited.await(10, TimeUnit.SECONDS);
                    o = attribute(attributor, clientEnd, serverEnd);
                }
                if (tag != null) seen.put(tag, o);
            } catch (IOException e) {
                if (!server.isOpen()) return;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Outcome attribute(ProcessAttributor attributor, InetSocketAddress client, InetSocketAddress server)
            throws Exception {
        long t0 = System.nanoTime();
        ProcessInfo p = attributor.attribute(TransportProtocol.TCP, client, server);
        return new Outcome(p, (System.nanoTime() - t0) / 1000);
    }

    /** The tag in {@code GET /TAG HTTP/1.1} or {@code TAG\n}; null if none arrived within 5 s. */
    private static String readTag(SocketChannel c) throws IOException {
        c.socket().setSoTimeout(5_000);
        var in = c.socket().getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) line.append((char) b);
        } catch (SocketTimeoutException e) {
            return null;
        }
        String s = line.toString().strip();
        if (s.startsWith("GET /")) s = s.substring(5, s.indexOf(' ', 5));
        return s.isEmpty() ? null : s;
    }

    private static void runCurl(NetworkNamespace ns, int port, String tag, Map<String, Integer> launched) {
        try {
            Process p = ns.exec("curl", "-s", "-o", "/dev/null", "http://127.0.0.1:" + port + "/" + tag);
            launched.put(tag, (int) p.pid()); // `ip netns exec` execs the command: same pid
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            p.waitFor(20, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void runNc(NetworkNamespace ns, int port, String tag, Map<String, Integer> launched,
                              CountDownLatch exited) {
        try {
            Process p = ns.exec("nc", "-N", "127.0.0.1", Integer.toString(port));
            launched.put(tag, (int) p.pid());
            try (OutputStream out = p.getOutputStream()) {
                out.write((tag + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            p.waitFor(20, TimeUnit.SECONDS);
            if (exited != null) exited.countDown();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier done, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!done.getAsBoolean() && System.currentTimeMillis() < end) Thread.sleep(20);
    }
}
