package dev.netext.cli.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.net.IpPrefix;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.lab.traffic.UdpProbe;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.lab.peers.Dnsmasq;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The throwaway network of {@code netext sandbox}:
 *
 * <pre>
 *   [device]  eth0 10.99.0.2/24 fd99::2/64 ──veth── eth0 10.99.0.1/24 fd99::1/64  [internet]
 *     default route → internet                         UDP echo on port 7, dnsmasq (public names) on 53
 *     netext daemon (the profile) → netext0 10.7.0.1/24 fd84:306d:fc4e::1/64       web server on port 80,
 *                                                      microsocks (SOCKS5, when installed) on port 1080
 *       DNS on 127.0.0.1:53, flow filter on every TCP flow, dashboard on 127.0.0.1:P
 *       (the host's 127.0.0.1:P forwards to it)
 *     eth1 10.98.0.2/24 ──────────────────────veth── eth0 10.98.0.53/24  [corp]
 *                                                      dnsmasq (corp.example) on 53
 * </pre>
 *
 * Everything lives in namespaces of a {@link NetnsLab}: the host's own links, routes and rules are never touched,
 * and all traffic stays inside the lab. {@link #close()} removes it all (a killed sandbox is cleaned up by the next).
 */
public final class Sandbox implements AutoCloseable {
    static final String DEVICE_V4 = "10.99.0.2/24", DEVICE_V6 = "fd99::2/64";
    public static final String INTERNET_V4 = "10.99.0.1", INTERNET_V6 = "fd99::1";
    static final String CORP_DNS = "10.98.0.53", DEVICE_CORP = "10.98.0.2/24";
    static final Path DNSMASQ = Path.of(Dnsmasq.EXECUTABLE);
    /** The default profile's SOCKS5 proxy runs in the internet namespace when Debian's microsocks is installed. */
    static final Path MICROSOCKS = Path.of("/usr/bin/microsocks");
    static final int SOCKS_PORT = 1080;
    /** The names each resolver knows, and their answers (documentation and private addresses; nothing is contacted). */
    static final List<String[]> CORP_RECORDS = List.of(new String[]{"intranet.corp.example", "10.98.1.10"},
            new String[]{"git.corp.example", "10.98.1.11"});
    static final List<String[]> PUBLIC_RECORDS = List.of(new String[]{"www.example.org", "192.0.2.80"},
            new String[]{"mail.example.org", "192.0.2.25"});
    /**
     * Names of the internet namespace's web server: one the filter allows, one its prompt rule asks about, one the
     * profile's proxy rule sends through microsocks.
     */
    static final String WEB_ALLOWED = "web.example.org", WEB_PROMPTED = "www.prompt.example", WEB_PROXIED = "www.proxied.example";
    static final List<String[]> WEB_RECORDS = List.of(new String[]{WEB_ALLOWED, INTERNET_V4},
            new String[]{WEB_PROMPTED, INTERNET_V4}, new String[]{WEB_PROXIED, INTERNET_V4});
    private static final Pattern DEV = Pattern.compile(" dev (\\S+)");

    private final NetnsLab lab;
    private final NetworkNamespace device;
    private final NetworkNamespace internet;
    private final UdpEchoServer echo;
    private final NetworkNamespace corp;
    private final boolean resolvers;
    private final boolean socks;
    private NetextProcess netext;
    private Path controlSocket;
    private LoopbackForwarder forwarder;
    private String dashboardUrl;
    private HelloHttpServer web;
    private String tunnelDevice = "?";
    private SandboxWireGuard wireGuard;

    private Sandbox(NetnsLab lab, NetworkNamespace device, NetworkNamespace internet, NetworkNamespace corp,
                    UdpEchoServer echo, boolean resolvers, boolean socks) {
        this.lab = lab;
        this.device = device;
        this.internet = internet;
        this.corp = corp;
        this.echo = echo;
        this.resolvers = resolvers;
        this.socks = socks;
    }

    public static Sandbox create() throws Exception {
        NetnsLab lab = NetnsLab.create();
        try {
            NetworkNamespace device = lab.namespace("device");
            NetworkNamespace internet = lab.namespace("internet");
            lab.veth(VethEnd.of("device", "eth0", DEVICE_V4, DEVICE_V6),
                    VethEnd.of("internet", "eth0", INTERNET_V4 + "/24", INTERNET_V6 + "/64"));
            device.addDefaultRoute(INTERNET_V4);
            device.ip("-6", "route", "add", "default", "via", INTERNET_V6).orThrow();
            NetworkNamespace corp = lab.namespace("corp");
            lab.veth(VethEnd.of("device", "eth1", DEVICE_CORP), VethEnd.of("corp", "eth0", CORP_DNS + "/24"));
            UdpEchoServer echo = internet.runInside(() -> UdpEchoServer.open(new InetSocketAddress("::", 7)));
            boolean resolvers = Files.isExecutable(DNSMASQ);
            if (resolvers) {
                dnsmasq(corp, CORP_DNS, CORP_RECORDS);
                List<String[]> internetRecords = new ArrayList<>(PUBLIC_RECORDS);
                internetRecords.addAll(WEB_RECORDS);
                dnsmasq(internet, INTERNET_V4, internetRecords);
            }
            boolean socks = Files.isExecutable(MICROSOCKS);
            if (socks) microsocks(internet);
            return new Sandbox(lab, device, internet, corp, echo, resolvers, socks);
        } catch (Exception e) {
            lab.close();
            throw e;
        }
    }

    /** A dnsmasq of its own (no config file, no host files, only these records), killed when the lab closes. */
    private static void dnsmasq(NetworkNamespace ns, String address, List<String[]> records) throws Exception {
        Dnsmasq.start(ns, address, records.stream().map(r -> "--host-record=" + r[0] + "," + r[1]).toArray(String[]::new));
    }

    /**
     * microsocks on the internet namespace's address (no authentication), killed when the lab closes. netext's SOCKS5
     * CONNECT names the flow's host, so microsocks resolves it: {@code ip netns exec} puts
     * {@code /etc/netns/NAME/hosts} over {@code /etc/hosts}, and that file names the web server (removed at close).
     */
    private static void microsocks(NetworkNamespace ns) throws Exception {
        Path hosts = socksHosts(ns);
        Files.createDirectories(hosts.getParent());
        StringBuilder sb = new StringBuilder();
        for (String[] r : WEB_RECORDS) sb.append(r[1]).append(' ').append(r[0]).append('\n');
        Files.writeString(hosts, sb);
        try {
            ns.exec(MICROSOCKS.toString(), "-i", INTERNET_V4, "-p", Integer.toString(SOCKS_PORT));
            for (int i = 0; i < 100; i++) {
                if (ns.run("ss", "-Htln", "sport = :" + SOCKS_PORT).output().contains(":" + SOCKS_PORT)) return;
                Thread.sleep(50);
            }
            throw new IOException("microsocks on " + INTERNET_V4 + ":" + SOCKS_PORT + " did not start");
        } catch (Exception e) {
            Files.deleteIfExists(hosts);
            Files.deleteIfExists(hosts.getParent());
            throw e;
        }
    }

    private static Path socksHosts(NetworkNamespace ns) { return Path.of("/etc/netns", ns.name(), "hosts"); }

    /** Whether the SOCKS5 proxy runs (microsocks is installed). */
    boolean socks() { return socks; }

    /** Whether the corp and public resolvers run (dnsmasq is installed). */
    boolean resolvers() { return resolvers; }

    NetworkNamespace device() { return device; }

    NetworkNamespace internet() { return internet; }

    String tunnelDevice() { return tunnelDevice; }

    long netextPid() { return netext == null ? -1 : netext.pid(); }

    /**
     * Starts {@code netext daemon --profile PROFILE} in the device namespace (its own empty profiles directory, control
     * socket, state directory and plugins directory under {@code dir}; the dashboard on the port the host-side
     * {@link LoopbackForwarder} was given) and waits until every section of the profile is up; returns a line saying
     * so.
     */
    public String startNetext(Path profile, Path dir) throws Exception {
        controlSocket = dir.resolve("control.sock");
        forwarder = LoopbackForwarder.open(device);
        List<String> args = List.of("daemon", "--profile", profile.toString(),
                "--profiles-dir", Files.createDirectories(dir.resolve("profiles.d")).toString(),
                "--plugins-dir", Files.createDirectories(dir.resolve("plugins")).toString(),
                "--state-dir", dir.resolve("state").toString(), "--control", controlSocket.toString(),
                "--metrics", "off", "--dashboard", "127.0.0.1:" + forwarder.port(), "--bytes-interval", "1000");
        netext = NetextProcess.start(device, args.toArray(String[]::new));
        String ready = netext.awaitLine(l -> l.contains("netext daemon: ready") || l.contains("nothing was started"), Duration.ofSeconds(60))
                .orElseThrow(() -> new IOException("netext daemon did not start:\n" + netext.output()));
        if (!ready.contains("ready")) throw new IOException("netext daemon refused the profile:\n" + netext.output());
        // the daemon never prints its token; the sandbox shows its own user the URL, as netext dashboard would
        String dash = control(ControlClient.mapper().createObjectNode().put("op", "status")).path("daemon").path("dashboard").asText("");
        if (!dash.isEmpty()) dashboardUrl = dash;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode profileStatus = null;
        while (System.nanoTime() < deadline) {
            profileStatus = control(ControlClient.mapper().createObjectNode().put("op", "status")).path("profiles").path(0);
            boolean all = profileStatus.path("components").size() > 0;
            for (JsonNode c : profileStatus.path("components")) {
                all &= c.path("status").asText().equals("connected");
                Matcher on = Pattern.compile("^on (\\S+)").matcher(c.path("detail").asText());
                if (c.path("kind").asText().equals("tunnel") && on.find()) tunnelDevice = on.group(1);
            }
            if (all) {
                List<String> kinds = new ArrayList<>();
                for (JsonNode c : profileStatus.path("components")) kinds.add(c.path("kind").asText());
                return "netext daemon: profile " + profileStatus.path("name").asText() + " connected: " + String.join(", ", kinds);
            }
            Thread.sleep(100);
        }
        throw new IOException("the sandbox profile did not come up: " + profileStatus + "\n" + netext.output());
    }

    /** One control request to the sandbox's daemon; the reply. */
    JsonNode control(JsonNode request) throws Exception {
        try (ControlClient c = ControlClient.connect(controlSocket)) {
            return c.call(request);
        }
    }

    /** The daemon's events after {@code afterSeq} (JSON lines, docs/events.schema.json). */
    List<JsonNode> eventsAfter(long afterSeq) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (ControlClient c = ControlClient.connect(controlSocket)) {
            c.send(ControlClient.mapper().createObjectNode().put("op", "events").put("after", afterSeq));
            String line;
            while ((line = c.readLine()) != null && !line.startsWith("{\"ok\"")) out.add(ControlClient.mapper().readTree(line));
        }
        return out;
    }

    long lastEvent() throws Exception {
        return control(ControlClient.mapper().createObjectNode().put("op", "status")).path("daemon").path("last_event").asLong();
    }

    /** The dashboard URL (host loopback, token included), or null. */
    String dashboardUrl() { return dashboardUrl; }

    /** The interface the device namespace routes {@code address} through, as the kernel decides. */
    String pathTo(String address) throws IOException {
        ExecResult r = device.run(Duration.ofSeconds(5), "ip", "route", "get", address);
        Matcher m = DEV.matcher(r.output());
        if (!m.find()) return "unroutable";
        String dev = m.group(1);
        if (dev.equals(tunnelDevice)) return "tunnel " + dev;
        if (wireGuard != null && dev.equals(wireGuard.deviceName())) return "WireGuard " + dev;
        return "veth " + dev + " (direct)";
    }

    TrafficRow ping(String address, int count) throws IOException {
        ExecResult r = device.run(Duration.ofSeconds(10 + count), "ping", "-c", Integer.toString(count), "-i", "0.2",
                "-W", "2", address);
        PingResult p = PingResult.parse(r.output());
        String what = (address.contains(":") ? "ICMPv6" : "ICMP") + " echo " + address;
        return new TrafficRow(what, pathTo(address), p.sent(), p.received(),
                Double.isNaN(p.avgMillis()) ? "-" : "rtt %.2f ms".formatted(p.avgMillis()));
    }

    TrafficRow udp(String address, int port, int count, int size) throws Exception {
        return udp(address, port, count, size, 64);
    }

    TrafficRow udp(String address, int port, int count, int size, int window) throws Exception {
        InetSocketAddress target = new InetSocketAddress(IpPrefix.parseAddress(address), port);
        UdpProbe.Result r = device.runInside(() -> UdpProbe.run(target, count, size, window, Duration.ofSeconds(60)));
        String what = "UDP " + size + " B → " + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        return new TrafficRow(what, pathTo(address), r.sent(), r.answered(),
                "%,.0f pkt/s, %.0f Mbit/s, rtt %.2f ms".formatted(r.answeredPerSecond(), r.megabitsPerSecond(),
                        r.avgRttNanos() / 1e6));
    }

    /**
     * {@code dig @127.0.0.1 NAME} in the device namespace (netext listens there); the row names the server that
     * answered and the rule that chose it, from the daemon's {@code DnsQueried} event.
     */
    TrafficRow dig(String name) throws Exception {
        long before = lastEvent();
        ExecResult r = device.run(Duration.ofSeconds(10), "dig", "@127.0.0.1", "+time=2", "+tries=1", "+short", name);
        String answer = r.output().strip().lines().findFirst().orElse("");
        boolean answered = r.exitCode() == 0 && !answer.isEmpty() && !answer.startsWith(";");
        JsonNode q = queryEvent(name, before);
        String path = "netext", figures = answered ? answer : "no answer";
        if (q != null) {
            String where = q.path("cache_hit").asBoolean() ? "cache" : q.has("server") ? q.path("server").asText()
                    : q.path("decision").path("kind").asText().equals("Block") ? "blocked" : "local";
            path = "netext → " + where + (q.has("rule") ? " (" + q.path("rule").asText() + ")" : "");
            String rcode = switch (q.path("rcode").asInt()) { case 0 -> "NOERROR"; case 2 -> "SERVFAIL"; case 3 -> "NXDOMAIN"; case 5 -> "REFUSED"; default -> "RCODE" + q.path("rcode").asInt(); };
            figures = (answered ? answer : rcode) + ", %.2f ms in netext".formatted(q.path("latency_ns").asLong() / 1e6);
            if (!answered && rcode.equals("NXDOMAIN")) answered = true; // a block answers NXDOMAIN on purpose
        }
        return new TrafficRow("DNS A " + name, path, 1, answered ? 1 : 0, figures);
    }

    /** The daemon's DnsQueried event for an A query of {@code name} after sequence {@code after}; null if none comes. */
    private JsonNode queryEvent(String name, long after) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (netext != null && System.nanoTime() < deadline) {
            for (JsonNode e : eventsAfter(after))
                if (e.path("type").asText().equals("DnsQueried") && e.path("name").asText().equals(name)
                        && e.path("qtype").asText().equals("A")) return e;
            Thread.sleep(50);
        }
        return null;
    }

    /**
     * {@code curl http://HOST/} from the device namespace to the internet namespace's web server, with the address
     * netext's DNS gave for the name (so the flow layer also knows it from the DNS map); the flow goes through the
     * daemon's filter. {@code whileRunning} runs while curl is waiting (a prompt's answer); the row is curl's result.
     */
    TrafficRow http(String host, String address, String label, ThrowingCallable<String> whileRunning) throws Exception {
        return http(host, address, label, "netext filter → direct", null, whileRunning);
    }

    /**
     * {@link #http(String, String, String, ThrowingCallable)} along {@code path}; with {@code seenFrom} set, the row
     * counts as answered only when the web server saw the request come from that address (the proxy's, not the
     * device's), and says so.
     */
    TrafficRow http(String host, String address, String label, String path, String seenFrom,
                    ThrowingCallable<String> whileRunning) throws Exception {
        Process curl = device.command("curl", "-sS", "-w", "\n%{http_code} %{size_download}", "--max-time", "40",
                "--resolve", host + ":80:" + address, "http://" + host + "/").redirectErrorStream(true).start();
        String note = whileRunning == null ? "" : whileRunning.call();
        boolean done = curl.waitFor(45, TimeUnit.SECONDS);
        if (!done) curl.destroyForcibly().waitFor();
        String all = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String out = all.lines().reduce((a, b) -> b).orElse("");
        Matcher seen = Pattern.compile("^hello \\S+ from (\\S+)$", Pattern.MULTILINE).matcher(all); // HelloHttpServer's
        String peer = seen.find() ? seen.group(1) : "?";
        boolean ok = done && curl.exitValue() == 0 && out.startsWith("200 ") && (seenFrom == null || seenFrom.equals(peer));
        String figures = !ok ? "failed: " + all.replace('\n', ' ')
                : "HTTP 200, " + out.substring(4) + " B" + (seenFrom == null ? "" : ", the server saw " + peer);
        return new TrafficRow("HTTP " + host + label, path, 1, ok ? 1 : 0, note.isEmpty() ? figures : figures + "; " + note);
    }

    /** A callable for {@link #http}'s hook. */
    @FunctionalInterface
    interface ThrowingCallable<T> {
        T call() throws Exception;
    }

    /** Starts a web server on the internet namespace's address, port 80 (stopped when the sandbox closes). */
    void startWebServer() throws Exception {
        web = internet.runInside(() -> HelloHttpServer.open(INTERNET_V4, 80));
    }

    /** A raw UDP probe from the device namespace. */
    public UdpProbe.Result probe(String address, int port, int count, int size, int window) throws Exception {
        InetSocketAddress target = new InetSocketAddress(IpPrefix.parseAddress(address), port);
        return device.runInside(() -> UdpProbe.run(target, count, size, window, Duration.ofSeconds(120)));
    }

    /** Starts the WireGuard leg (gateway namespace, netext at both ends); see {@link SandboxWireGuard}. */
    SandboxWireGuard startWireGuard(Path dir) throws Exception {
        wireGuard = SandboxWireGuard.start(lab, device, dir);
        return wireGuard;
    }

    /** Stops the WireGuard leg; its exit code, or 0 when there was none. */
    int stopWireGuard() throws InterruptedException {
        return wireGuard == null ? 0 : wireGuard.stop();
    }

    /** Stops the daemon with SIGTERM; returns its exit code and the tunnel's counters read just before. */
    public StopResult stopNetext() throws Exception {
        if (netext == null) return new StopResult(-1, "", "");
        String counters = "";
        try {
            for (JsonNode c : control(ControlClient.mapper().createObjectNode().put("op", "status")).path("profiles").path(0).path("components")) {
                if (!c.path("kind").asText().equals("tunnel")) continue;
                JsonNode n = c.path("counters");
                counters = "tunnel " + c.path("detail").asText() + ": " + n.path("packets_in").asLong() + " packets ("
                        + n.path("bytes_in").asLong() + " B) in, " + n.path("packets_out").asLong() + " packets ("
                        + n.path("bytes_out").asLong() + " B) out";
            }
        } catch (Exception e) {
            counters = "";
        }
        int code = netext.terminate(Duration.ofSeconds(30));
        StopResult result = new StopResult(code, counters, netext.output());
        netext = null;
        return result;
    }

    public record StopResult(int exitCode, String stoppedLine, String output) {}

    long echoed() { return echo.echoed(); }

    String prefix() { return lab.prefix(); }

    /** Whether any of the lab's namespaces is still there (after {@link #close()}: a cleanup failure). */
    boolean leftovers() {
        try {
            return device.run(Duration.ofSeconds(2), "true").ok();
        } catch (IOException e) {
            return false;
        }
    }

    void printLayout(PrintStream out) {
        out.println("  namespace " + device.name() + "    eth0 " + DEVICE_V4 + " " + DEVICE_V6 + ", default route via the internet namespace");
        out.println("  namespace " + internet.name() + "  eth0 " + INTERNET_V4 + "/24 " + INTERNET_V6 + "/64, UDP echo on port 7"
                + (resolvers ? ", dnsmasq (public names) on port 53" : "") + ", web server on port 80"
                + (socks ? ", microsocks (SOCKS5) on port " + SOCKS_PORT : ""));
        out.println("  namespace " + corp.name() + "      eth0 " + CORP_DNS + "/24 (device eth1 " + DEVICE_CORP + ")"
                + (resolvers ? ", dnsmasq (corp.example) on port 53" : ", no resolver (dnsmasq is not installed)"));
    }

    @Override
    public void close() throws Exception {
        List<Exception> errors = new ArrayList<>();
        if (wireGuard != null) {
            try {
                wireGuard.close();
            } catch (Exception e) {
                errors.add(e);
            }
        }
        if (netext != null) {
            try {
                netext.close();
            } catch (Exception e) {
                errors.add(e);
            }
        }
        if (forwarder != null) {
            try {
                forwarder.close();
            } catch (IOException e) {
                errors.add(e);
            }
        }
        if (web != null) web.close();
        try {
            echo.close();
        } catch (IOException e) {
            errors.add(e);
        }
        lab.close();
        if (socks) {
            try {
                Files.deleteIfExists(socksHosts(internet));
                Files.deleteIfExists(socksHosts(internet).getParent());
            } catch (IOException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) throw errors.getFirst();
    }
}
