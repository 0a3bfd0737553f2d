package dev.netext.cli.sandbox;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetextProcess;
import dev.netext.testkit.traffic.UdpEchoServer;
import dev.netext.testkit.traffic.UdpProbe;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The throwaway network of {@code netext sandbox}:
 *
 * <pre>
 *   [device]  eth0 10.99.0.2/24 fd99::2/64 ──veth── eth0 10.99.0.1/24 fd99::1/64  [internet]
 *     default route → internet                         UDP echo on port 7, dnsmasq (public names) on 53
 *     netext up (the profile) → netext0 10.7.0.1/24 fd84:306d:fc4e::1/64
 *     eth1 10.98.0.2/24 ──────────────────────veth── eth0 10.98.0.53/24  [corp]
 *                                                      dnsmasq (corp.example) on 53
 * </pre>
 *
 * Everything lives in namespaces of a {@link NetnsLab}: the host's own links, routes and rules are never touched,
 * and all traffic stays inside the lab. {@link #close()} removes it all (a killed sandbox is cleaned up by the next).
 */
final class Sandbox implements AutoCloseable {
    static final String DEVICE_V4 = "10.99.0.2/24", DEVICE_V6 = "fd99::2/64";
    static final String INTERNET_V4 = "10.99.0.1", INTERNET_V6 = "fd99::1";
    static final String CORP_DNS = "10.98.0.53", DEVICE_CORP = "10.98.0.2/24";
    static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");
    /** The names each resolver knows, and their answers (documentation and private addresses; nothing is contacted). */
    static final List<String[]> CORP_RECORDS = List.of(new String[]{"intranet.corp.example", "10.98.1.10"},
            new String[]{"git.corp.example", "10.98.1.11"});
    static final List<String[]> PUBLIC_RECORDS = List.of(new String[]{"www.example.org", "192.0.2.80"},
            new String[]{"mail.example.org", "192.0.2.25"});
    private static final Pattern DEV = Pattern.compile(" dev (\\S+)");

    private final NetnsLab lab;
    private final NetworkNamespace device;
    private final NetworkNamespace internet;
    private final UdpEchoServer echo;
    private final NetworkNamespace corp;
    private final boolean resolvers;
    private NetextProcess netext;
    private String tunnelDevice = "?";
    private SandboxWireGuard wireGuard;

    private Sandbox(NetnsLab lab, NetworkNamespace device, NetworkNamespace internet, NetworkNamespace corp,
                    UdpEchoServer echo, boolean resolvers) {
        this.lab = lab;
        this.device = device;
        this.internet = internet;
        this.corp = corp;
        this.echo = echo;
        this.resolvers = resolvers;
    }

    static Sandbox create() throws Exception {
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
            boolean resolvers = java.nio.file.Files.isExecutable(DNSMASQ);
            if (resolvers) {
                dnsmasq(corp, CORP_DNS, CORP_RECORDS);
                dnsmasq(internet, INTERNET_V4, PUBLIC_RECORDS);
            }
            return new Sandbox(lab, device, internet, corp, echo, resolvers);
        } catch (Exception e) {
            lab.close();
            throw e;
        }
    }

    /** A dnsmasq of its own (no config file, no host files, only these records), killed when the lab closes. */
    private static void dnsmasq(NetworkNamespace ns, String address, List<String[]> records) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DNSMASQ.toString(), "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + address, "--port=53", "--user=root", "--pid-file=", "--local-ttl=60"));
        for (String[] r : records) cmd.add("--host-record=" + r[0] + "," + r[1]);
        ns.exec(cmd.toArray(String[]::new));
        for (int i = 0; i < 50; i++) {
            if (ns.run(Duration.ofSeconds(5), "dig", "@" + address, "+time=1", "+tries=1", "probe.invalid").output().contains("status")) return;
            Thread.sleep(100);
        }
        throw new IOException("dnsmasq on " + address + " did not start");
    }

    /** Whether the corp and public resolvers run (dnsmasq is installed). */
    boolean resolvers() { return resolvers; }

    NetworkNamespace device() { return device; }

    NetworkNamespace internet() { return internet; }

    String tunnelDevice() { return tunnelDevice; }

    long netextPid() { return netext == null ? -1 : netext.pid(); }

    /** Starts {@code netext up PROFILE} in the device namespace; returns its "connected" line. */
    String startNetext(Path profile) throws Exception {
        netext = NetextProcess.start(device, "up", profile.toString(), "--log"); // --log: one line per DNS query
        String line = netext.awaitConnected(Duration.ofSeconds(60));
        Matcher m = Pattern.compile(" connected on (\\S+)").matcher(line);
        if (m.find()) tunnelDevice = m.group(1);
        return line;
    }

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
        InetSocketAddress target = new InetSocketAddress(dev.netext.api.net.IpPrefix.parseAddress(address), port);
        UdpProbe.Result r = device.runInside(() -> UdpProbe.run(target, count, size, window, Duration.ofSeconds(60)));
        String what = "UDP " + size + " B → " + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        return new TrafficRow(what, pathTo(address), r.sent(), r.answered(),
                "%,.0f pkt/s, %.0f Mbit/s, rtt %.2f ms".formatted(r.answeredPerSecond(), r.megabitsPerSecond(),
                        r.avgRttNanos() / 1e6));
    }

    private static final Pattern QUERY_LOG = Pattern.compile(" → (\\S+) (\\S+) ([A-Z]+\\d*) (\\d+) answers? ([0-9.]+) ms");

    /**
     * {@code dig @127.0.0.1 NAME} in the device namespace (netext listens there); the row names the server that
     * answered and the rule that chose it, from netext's query log line.
     */
    TrafficRow dig(String name) throws Exception {
        int seen = netext == null ? 0 : netext.lines().size();
        ExecResult r = device.run(Duration.ofSeconds(10), "dig", "@127.0.0.1", "+time=2", "+tries=1", "+short", name);
        String answer = r.output().strip().lines().findFirst().orElse("");
        boolean answered = r.exitCode() == 0 && !answer.isEmpty() && !answer.startsWith(";");
        String logLine = queryLogLine(name, seen);
        Matcher m = QUERY_LOG.matcher(logLine);
        String path = "netext", figures = answered ? answer : "no answer";
        if (m.find()) {
            path = "netext → " + m.group(2) + " (" + m.group(1) + ")";
            figures = (answered ? answer : m.group(3)) + ", " + m.group(5) + " ms in netext";
            if (!answered && m.group(3).equals("NXDOMAIN")) answered = true; // a block answers NXDOMAIN on purpose
        }
        return new TrafficRow("DNS A " + name, path, 1, answered ? 1 : 0, figures);
    }

    /** netext's log line for a query of {@code name} printed after its first {@code seen} lines; "" if none comes. */
    private String queryLogLine(String name, int seen) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (netext != null && System.nanoTime() < deadline) {
            List<String> lines = netext.lines();
            for (int i = seen; i < lines.size(); i++) if (lines.get(i).contains(" " + name + " A → ")) return lines.get(i);
            Thread.sleep(20);
        }
        return "";
    }

    /** A raw UDP probe from the device namespace. */
    UdpProbe.Result probe(String address, int port, int count, int size, int window) throws Exception {
        InetSocketAddress target = new InetSocketAddress(dev.netext.api.net.IpPrefix.parseAddress(address), port);
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

    /** Stops netext with SIGTERM; returns its exit code and its last "stopped" line. */
    StopResult stopNetext() throws InterruptedException {
        if (netext == null) return new StopResult(-1, "", "");
        int code = netext.terminate(Duration.ofSeconds(30));
        String stopped = netext.awaitLine(l -> l.contains(" stopped; "), Duration.ofSeconds(2)).orElse("");
        StopResult result = new StopResult(code, stopped, netext.output());
        netext = null;
        return result;
    }

    record StopResult(int exitCode, String stoppedLine, String output) {}

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
                + (resolvers ? ", dnsmasq (public names) on port 53" : ""));
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
        try {
            echo.close();
        } catch (IOException e) {
            errors.add(e);
        }
        lab.close();
        if (!errors.isEmpty()) throw errors.getFirst();
    }
}
