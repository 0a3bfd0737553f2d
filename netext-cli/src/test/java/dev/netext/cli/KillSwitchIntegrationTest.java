package dev.netext.cli;

import dev.netext.cli.wg.WireguardGo;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.tunnel.WireGuardProvider;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kill switch ({@code include-all-networks} + {@code exclude-local-networks}) under the daemon, with real peers:
 * <pre>
 *   lan (192.168.61.1, web) ── cl-lan ┐
 *                                     cl (netext daemon) ── cl-eth 10.61.0.2 ─ rt-cl 10.61.0.1 ┐
 *                                                            inet: router, web on 203.0.113.80 / fd66::80 (its lo)
 *                                                            └ rt-vpn 10.62.0.1 ─ 10.62.0.2 vpn (wireguard-go, no forwarding)
 * </pre>
 * The VPN server does not forward, so nothing reaches the "internet" web server except directly: every successful
 * curl to it while the profile is enabled is a leak. An nft counter on inet's side of the physical link counts what
 * the client sends there: the tunnel's UDP, link-local IPv6 control, and everything else (which must stay 0).
 */
class KillSwitchIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String INTERNET = "203.0.113.80", INTERNET6 = "fd66::80", LAN = "192.168.61.1";
    private static final String VPN = "10.62.0.2", CLIENT = "10.61.0.2", INSIDE = "10.201.0.2", VPN_INSIDE = "10.201.0.1";
    private static final int HTTP = 8080, CRASHES = 3, CRASH_AFTER_MS = 1500;

    @TempDir
    Path dir;

    final Key vpnKey = Key.generatePrivate();
    final Key nxKey = Key.generatePrivate();

    @NetnsTest
    void nothingLeaksThroughACrashARestartAndAKill9AndACleanStopOpensItAgain(NetnsLab lab) throws Exception {
        NetworkNamespace cl = lab.namespace("cl"), inet = lab.namespace("inet"), vpn = lab.namespace("vpn"),
                lanNs = lab.namespace("lan");
        lab.veth(VethEnd.of("cl", "cl-eth", CLIENT + "/24", "fd61::2/64"), VethEnd.of("inet", "rt-cl", "10.61.0.1/24", "fd61::1/64"));
        lab.veth(VethEnd.of("inet", "rt-vpn", "10.62.0.1/24"), VethEnd.of("vpn", "vpn-eth", VPN + "/24"));
        lab.veth(VethEnd.of("cl", "cl-lan", "192.168.61.2/24"), VethEnd.of("lan", "lan-eth", LAN + "/24"));
        inet.ip("addr", "add", INTERNET + "/32", "dev", "lo");
        inet.ip("-6", "addr", "add", INTERNET6 + "/128", "dev", "lo");
        inet.setSysctl("net.ipv4.ip_forward", "1");
        for (int i = 0; i < 100 && (cl.ip("-o", "addr", "show").orThrow().output().contains("tentative")
                || inet.ip("-o", "addr", "show").orThrow().output().contains("tentative")); i++) Thread.sleep(100);
        cl.addDefaultRoute("10.61.0.1");
        cl.ip("-6", "route", "add", "default", "via", "fd61::1").orThrow();
        vpn.addDefaultRoute("10.62.0.1");
        countPhysicalLink(inet);

        String ifname = WireguardGo.uniqueName("wks");
        Path conf = clientConfig(ifname);
        Path crashes = Files.createDirectories(dir.resolve("crashes"));
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        ProviderJar.write(profiles.resolve("plugins/crashwg.jar"), "crash.CrashingWireGuard", CRASHING_WIREGUARD, WireGuardProvider.class);
        // the profile names the plugin, so the settings are the wg-quick file's, written out (config: is the built-in's)
        Files.writeString(profiles.resolve("ks.yaml"), """
                name: ks
                tunnel:
                  provider: crash.CrashingWireGuard
                  interface: %s
                  include-all-networks: true
                  exclude-local-networks: true
                  options: { config: %s, crash-dir: %s }
                  settings:
                    addresses: [%s/24]
                    routes: [0.0.0.0/0]
                """.formatted(ifname, conf, crashes, INSIDE));

        HelloHttpServer internetWeb = inet.runInside(() -> HelloHttpServer.open(new InetSocketAddress(HTTP)));
        HelloHttpServer lanWeb = lanNs.runInside(() -> HelloHttpServer.open(new InetSocketAddress(HTTP)));
        try (internetWeb; lanWeb; WireguardGo go = startVpn(vpn)) {
            // before: the internet is reached directly, both families — what the kill switch must then stop
            assertThat(curl(cl, INTERNET)).isTrue();
            assertThat(curl(cl, "[" + INTERNET6 + "]")).isTrue();
            assertThat(internetWeb.lastPeer()).isEqualTo("fd61:0:0:0:0:0:0:2"); // Java spells it out
            Path state = dir.resolve("run/state");

            // --- phase 1: connecting, connected, the provider crashes and is restarted
            long[] before;
            Sampler sampler;
            try (DaemonUnderTest d = new DaemonUnderTest(cl, dir)) {
                before = counters(inet); // the kill switch went in before "ready"
                sampler = Sampler.start(cl);
                d.awaitComponent("ks", c -> c.path("restarts").asLong() >= CRASHES && c.path("status").asText().equals("connected"), START);
                ping(cl, VPN_INSIDE); // the restarted tunnel carries traffic
                int atReconnect = sampler.samples;
                sampler.awaitSamples(atReconnect + 5);
                sampler.stop();
                assertThat(atReconnect).as("samples while connecting, crashing and restarting").isGreaterThanOrEqualTo(5);
                assertThat(sampler.leaks).as("curl to the internet while enabled").isEmpty();
                assertThat(sampler.lanFailures).as("curl to the LAN (exclude-local-networks)").isEmpty();
                long[] during = counters(inet);
                System.out.printf("kill switch through connect and %d crashes and restarts: %d samples (%d before the last"
                        + " reconnect), 0 leaks; physical link: %d tunnel UDP, %d link-local IPv6, %d other packets%n",
                        CRASHES, sampler.samples, atReconnect, during[0] - before[0],
                        during[1] - before[1], during[2] - before[2]);
                assertThat(during[0] - before[0]).as("the tunnel's UDP on the physical link").isPositive();
                assertThat(during[2] - before[2]).as("anything else the client sent on the physical link: %s", physicalLinkCounts(inet)).isZero();
                assertThat(go.show().output()).contains("latest handshake");

                // --- phase 2: kill -9; the table stays, the network stays closed
                d.process.kill();
                assertThat(nftTables(cl)).contains("netext-killswitch");
                assertThat(curl(cl, INTERNET)).isFalse();
                assertThat(curl(cl, "[" + INTERNET6 + "]")).isFalse();
                assertThat(curl(cl, LAN)).isTrue();
                assertThat(counters(inet)[2] - before[2]).as("leaked after kill -9: %s", physicalLinkCounts(inet)).isZero();
            }
            NetextProcess diagnose = NetextProcess.start(cl, "diagnose", "--state-dir", state.toString());
            diagnose.waitFor(START);
            assertThat(diagnose.output()).contains("kill switch").contains("by design").contains("netext diagnose --fix");
            NetextProcess fix = NetextProcess.start(cl, "diagnose", "--fix", "--state-dir", state.toString());
            fix.waitFor(START);
            assertThat(nftTables(cl)).as(fix.output()).doesNotContain("netext-killswitch");
            assertThat(curl(cl, INTERNET)).as("direct again after diagnose --fix").isTrue();

            // --- phase 3: the built-in through config: (a wg-quick file named from the profile), kill -9, next start
            Files.delete(profiles.resolve("ks.yaml"));
            Files.writeString(profiles.resolve("ks.yaml"), """
                    name: ks
                    tunnel:
                      provider: wireguard
                      interface: %s
                      config: %s
                      include-all-networks: true
                      exclude-local-networks: true
                    """.formatted(ifname, conf));
            long[] second;
            try (DaemonUnderTest d = new DaemonUnderTest(cl, dir)) {
                // counted from the moment the kill switch is in (the daemon is ready only after it installed it):
                // before that the network is direct by design, and the host still answers the VPN server's
                // keepalives to the phase-2 daemon's dead socket with a port unreachable
                assertThat(nftTables(cl)).contains("netext-killswitch");
                second = counters(inet);
                d.awaitComponent("ks", c -> c.path("status").asText().equals("connected"), START);
                ping(cl, VPN_INSIDE);
                assertThat(curl(cl, INTERNET)).isFalse();
                d.process.kill();
            }
            assertThat(curl(cl, INTERNET)).isFalse();
            try (DaemonUnderTest d = new DaemonUnderTest(cl, dir)) { // the next start takes the dead one's place
                d.awaitComponent("ks", c -> c.path("status").asText().equals("connected"), START);
                assertThat(curl(cl, INTERNET)).isFalse();
                assertThat(curl(cl, LAN)).isTrue();
                assertThat(counters(inet)[2] - second[2]).as("leaked in phase 3: %s", physicalLinkCounts(inet)).isZero();
                try (var ledgers = Files.list(state)) {
                    assertThat(ledgers.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("killswitch-")))
                            .as("one kill switch ledger: the live daemon's").hasSize(1);
                }
                // --- a reload that changes the profile restarts it: the kill switch is handed over, never removed
                Path monitorOut = dir.resolve("nft-monitor.txt");
                Process monitor = cl.command("nft", "monitor").redirectErrorStream(true).redirectOutput(monitorOut.toFile()).start();
                Thread.sleep(300); // nft subscribes
                Files.writeString(profiles.resolve("ks.yaml"), Files.readString(profiles.resolve("ks.yaml"))
                        + "  options: { note: changed }\n");
                assertThat(d.cli("reload").waitFor(START)).isZero();
                d.awaitComponent("ks", c -> c.path("status").asText().equals("connected"), START);
                assertThat(curl(cl, INTERNET)).isFalse();
                Thread.sleep(300);
                monitor.destroy();
                monitor.waitFor();
                String events = Files.readString(monitorOut);
                System.out.println("nft monitor during the reload:\n" + events);
                assertThat(events).as("nft monitor during the reload").contains("netext-killswitch")
                        .doesNotContain("delete table inet netext-killswitch")
                        .doesNotContain("delete chain inet netext-killswitch");
                // --- netext down NAME is a clean stop of the profile: direct again; netext up NAME closes it again
                assertThat(d.cli("down", "ks").waitFor(START)).isZero();
                assertThat(nftTables(cl)).doesNotContain("netext-killswitch");
                assertThat(curl(cl, INTERNET)).as("direct after netext down").isTrue();
                assertThat(d.cli("up", "ks").waitFor(START)).isZero();
                d.awaitComponent("ks", c -> c.path("status").asText().equals("connected"), START);
                assertThat(curl(cl, INTERNET)).isFalse();
                // --- a clean stop of the daemon (SIGTERM): the kill switch goes, traffic goes direct again
                assertThat(d.stop()).isZero();
            }
            assertThat(nftTables(cl)).doesNotContain("netext-killswitch");
            assertThat(curl(cl, INTERNET)).isTrue();
            assertThat(internetWeb.lastPeer()).isEqualTo(CLIENT);
            assertThat(curl(cl, "[" + INTERNET6 + "]")).isTrue();
        }
    }

    /** wireguard-go as the VPN server: netext is its one peer, known by key only (netext initiates). */
    private WireguardGo startVpn(NetworkNamespace vpn) throws Exception {
        WireguardGo go = WireguardGo.start(vpn, WireguardGo.uniqueName("wkv"));
        try {
            go.wgSet("private-key", WireguardGo.keyFile(dir, "vpn.key", vpnKey.toBase64()).toString(), "listen-port", "51820",
                    "peer", nxKey.publicKey().toBase64(), "allowed-ips", INSIDE + "/32");
            go.addressAndUp(VPN_INSIDE + "/24");
            return go;
        } catch (Exception e) {
            go.close();
            throw e;
        }
    }

    private Path clientConfig(String ifname) throws Exception {
        return Files.writeString(dir.resolve(ifname + ".conf"), """
                [Interface]
                PrivateKey = %s
                Address = %s/24
                [Peer]
                PublicKey = %s
                AllowedIPs = 0.0.0.0/0
                Endpoint = %s:51820
                """.formatted(nxKey.toBase64(), INSIDE, vpnKey.publicKey().toBase64(), VPN));
    }

    /** Delegates to the built-in WireGuard provider and, on its first starts, throws from a loop a while later. */
    private static final String CRASHING_WIREGUARD = """
            package crash;
            import dev.netext.api.tunnel.*;
            import dev.netext.wireguard.tunnel.WireGuardProvider;
            import java.nio.file.*;
            import java.util.Map;
            public class CrashingWireGuard implements PacketTunnelProvider {
                private final WireGuardProvider wg = new WireGuardProvider();
                @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                    wg.startTunnel(context, options);
                    Path dir = Path.of((String) options.get("crash-dir"));
                    int start;
                    try (var starts = Files.list(dir)) { start = (int) starts.count() + 1; }
                    if (start > %d) return;
                    Files.createFile(dir.resolve("start-" + start));
                    context.spawn("crash", () -> {
                        Thread.sleep(%d);
                        throw new IllegalStateException("crashed on purpose");
                    });
                }
                @Override public void stopTunnel(StopReason reason) { wg.stopTunnel(reason); }
            }
            """.formatted(CRASHES, CRASH_AFTER_MS);

    /** Curls {@code host} (an address, IPv6 in brackets) on the web port from {@code ns}: whether it answered. */
    private static boolean curl(NetworkNamespace ns, String host) throws Exception {
        return ns.run(Duration.ofSeconds(10), "curl", "-sS", "-o", "/dev/null", "--max-time", "2",
                "http://" + host + ":" + HTTP + "/").exitCode() == 0;
    }

    private static void ping(NetworkNamespace ns, String address) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(20), "ping", "-c", "3", "-i", "0.3", "-W", "5", address);
        assertThat(r.exitCode()).as("ping %s:\n%s", address, r.output()).isZero();
    }

    private static String nftTables(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "tables").orThrow().output();
    }

    /**
     * Counters on inet's end of the client's physical link, before anything else sees the packet: the tunnel's UDP,
     * link-local IPv6 and neighbour discovery (MLD, and NS/NA also when a neighbour's unreachability probe is sent to
     * its global address: the kill switch lets them), everything else (with per-protocol counters for the message).
     */
    private static void countPhysicalLink(NetworkNamespace inet) throws Exception {
        Path rules = Files.createTempFile("kscount", ".nft");
        try {
            Files.writeString(rules, """
                    table inet kscount {
                      counter tunnel {}
                      counter linklocal {}
                      counter other {}
                      chain pre {
                        type filter hook prerouting priority -300; policy accept;
                        iifname "rt-cl" ip daddr %s udp dport 51820 counter name "tunnel" accept
                        iifname "rt-cl" ip6 daddr { fe80::/10, ff02::/16 } counter name "linklocal" accept
                        iifname "rt-cl" icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } counter name "linklocal" accept
                        iifname "rt-cl" meta l4proto tcp counter
                        iifname "rt-cl" meta l4proto udp counter
                        iifname "rt-cl" meta l4proto { icmp, ipv6-icmp } counter
                        iifname "rt-cl" counter name "other"
                      }
                    }
                    """.formatted(VPN));
            inet.run("nft", "-f", rules.toString()).orThrow();
        } finally {
            Files.deleteIfExists(rules);
        }
    }

    /** The counting table as nft lists it: which protocol an "other" packet was. */
    private static String physicalLinkCounts(NetworkNamespace inet) throws Exception {
        return inet.run("nft", "list", "table", "inet", "kscount").output();
    }

    /** Packets counted so far: tunnel, link-local, other. */
    private static long[] counters(NetworkNamespace inet) throws Exception {
        long[] c = new long[3];
        String[] names = {"tunnel", "linklocal", "other"};
        for (int i = 0; i < 3; i++) {
            String out = inet.run("nft", "list", "counter", "inet", "kscount", names[i]).orThrow().output();
            Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            c[i] = Long.parseLong(m.group(1));
        }
        return c;
    }

    /** Curls the internet (both families) and the LAN from the client over and over until stopped. */
    private static final class Sampler {
        final List<String> leaks = new CopyOnWriteArrayList<>(), lanFailures = new CopyOnWriteArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile int samples;
        private Thread thread;

        static Sampler start(NetworkNamespace cl) {
            Sampler s = new Sampler();
            s.thread = Thread.ofPlatform().name("kill-switch-sampler").start(() -> {
                try {
                    while (s.running.get()) {
                        long at = System.nanoTime();
                        // the three side by side: a sample takes one curl's time, not three
                        Process v4 = curlStart(cl, INTERNET, "0.5"), v6 = curlStart(cl, "[" + INTERNET6 + "]", "0.5"),
                                lan = curlStart(cl, LAN, "3");
                        if (answered(v4)) s.leaks.add("IPv4 at " + at);
                        if (answered(v6)) s.leaks.add("IPv6 at " + at);
                        if (!answered(lan)) s.lanFailures.add("at " + at);
                        s.samples++;
                    }
                } catch (Exception e) {
                    s.lanFailures.add("sampler failed: " + e);
                }
            });
            return s;
        }

        private static Process curlStart(NetworkNamespace ns, String host, String maxTime) throws Exception {
            return ns.command("curl", "-sS", "-o", "/dev/null", "--max-time", maxTime, "http://" + host + ":" + HTTP + "/")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }

        private static boolean answered(Process curl) throws Exception {
            if (!curl.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                curl.destroyForcibly();
                return false;
            }
            return curl.exitValue() == 0;
        }

        /** Waits until at least {@code n} samples were taken (at most 60 s). */
        void awaitSamples(int n) throws InterruptedException {
            for (int i = 0; i < 600 && samples < n; i++) Thread.sleep(100);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(20_000);
        }
    }
}
