package dev.netext.cli;

import dev.netext.cli.wg.WireguardGo;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.wireguard.Key;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, must show 3: a per-app tunnel ({@code tunnel.apps}) carries only the listed apps' traffic and DNS.
 * <pre>
 *   nx (netext up) ── nx-eth 10.95.0.2 ─ go-eth 10.95.0.1 ── go (wireguard-go 10.205.0.1, forwards; masquerades what
 *                                                           came through the tunnel; dnsmasq "outside" on 10.95.0.1,
 *                                                           the client's resolver, and "inside" on 10.205.0.1)
 *                                                           └ go-far 10.96.0.1 ─ far-eth 10.96.0.2 far (web :8080)
 * </pre>
 * The web server answers with the address each connection came from: the VPN server's (10.96.0.1) for a tunnelled
 * client, the client's own (10.95.0.2) for a direct one. Each client looks up a name of its own through the system's
 * resolver (curl, glibc, the namespace's resolv.conf naming the outside dnsmasq); the two dnsmasqs log their queries,
 * so each log says whose DNS went where. Clients: one process in the listed cgroup, one in a sibling cgroup, one
 * running as the listed uid. Under {@code netext up} (clean stop; {@code kill -9} and {@code diagnose --fix}), then
 * under the daemon.
 */
class PerAppTunnelIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String GO_OUTSIDE = "10.95.0.1", NX_OUTSIDE = "10.95.0.2";
    private static final String GO_INSIDE = "10.205.0.1", NX_INSIDE = "10.205.0.2";
    private static final String GO_FAR = "10.96.0.1", FAR = "10.96.0.2";
    private static final int HTTP = 8080, APP_UID = 4242;
    private static final List<Path> CGROUP2_ROOTS = List.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"));

    @TempDir
    Path dir;

    private final Key goKey = Key.generatePrivate();
    private final Key nxKey = Key.generatePrivate();

    @NetnsTest
    void onlyTheListedCgroupAndUidGoThroughTheTunnelWithTheirDns(NetnsLab lab) throws Exception {
        HostPackages.require("wireguard-go", "wg", "dnsmasq", "curl", "setpriv", "nft");
        NetworkNamespace nx = lab.namespace("nx"), go = lab.namespace("go"), far = lab.namespace("far");
        lab.veth(VethEnd.of("go", "go-eth", GO_OUTSIDE + "/24"), VethEnd.of("nx", "nx-eth", NX_OUTSIDE + "/24"));
        lab.veth(VethEnd.of("go", "go-far", GO_FAR + "/24"), VethEnd.of("far", "far-eth", FAR + "/24"));
        nx.addDefaultRoute(GO_OUTSIDE);
        far.addDefaultRoute(GO_FAR);
        go.setSysctl("net.ipv4.ip_forward", "1");
        go.run("nft", "add table ip vpn; add chain ip vpn post { type nat hook postrouting priority srcnat; };"
                + " add rule ip vpn post ip saddr 10.205.0.0/24 oifname go-far masquerade").orThrow();

        Path etc = Files.createDirectories(Path.of("/etc/netns", nx.name()));
        Path resolvConf = etc.resolve("resolv.conf");
        byte[] original = ("nameserver " + GO_OUTSIDE + "\noptions timeout:2 attempts:1\n").getBytes(StandardCharsets.US_ASCII);
        Files.write(resolvConf, original);
        Path cgroups = cgroup2Root().resolve("netext-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        Path tunnelled = Files.createDirectories(cgroups.resolve("tunnelled")), direct = Files.createDirectories(cgroups.resolve("direct"));
        String ifname = WireguardGo.uniqueName("wpa");
        Path profile = profile(ifname, "/" + cgroups.getFileName() + "/tunnelled");
        Path insideLog = dir.resolve("inside.log"), outsideLog = dir.resolve("outside.log");
        HelloHttpServer web = far.runInside(() -> HelloHttpServer.open(FAR, HTTP));
        try (web; WireguardGo wg = server(go);
             Resolver inside = Resolver.start(go, GO_INSIDE, insideLog);
             Resolver outside = Resolver.start(go, GO_OUTSIDE, outsideLog)) {
            assertThat(curlIn(nx, direct, "before.example")).isEqualTo("hello before.example:8080 from " + NX_OUTSIDE);

            try (NetextProcess netext = NetextProcess.up(nx, profile)) {
                netext.awaitConnected(START);
                assertThat(netext.output()).contains("apps: 2 app rule(s) routed into " + ifname)
                        .contains("their DNS goes to [" + GO_INSIDE + "]");
                assertThat(curlIn(nx, tunnelled, "cgroup-app.example")).as(netext.output())
                        .isEqualTo("hello cgroup-app.example:8080 from " + GO_FAR);
                assertThat(curlIn(nx, direct, "other-app.example")).isEqualTo("hello other-app.example:8080 from " + NX_OUTSIDE);
                assertThat(curlAs(nx, APP_UID, "uid-app.example")).isEqualTo("hello uid-app.example:8080 from " + GO_FAR);
                assertThat(curlAs(nx, 0, "root.example")).isEqualTo("hello root.example:8080 from " + NX_OUTSIDE);
                assertThat(Files.readAllBytes(resolvConf)).as("the host's resolver is left alone").isEqualTo(original);
                // a loopback resolver (systemd-resolved's stub address; nothing listens there in nx) is redirected too
                assertThat(digAs(nx, APP_UID, "127.0.0.53", "loopback-stub.example")).isEqualTo(FAR);
                assertThat(digAs(nx, 0, "127.0.0.53", "loopback-root.example")).as("not listed: no resolver there").isEmpty();

                String in = Files.readString(insideLog), out = Files.readString(outsideLog);
                assertThat(in).as("the tunnel's resolver").contains("query[A] cgroup-app.example")
                        .contains("query[A] uid-app.example").contains("query[A] loopback-stub.example")
                        .doesNotContain("other-app.example").doesNotContain("root.example");
                assertThat(out).as("the client's own resolver").contains("query[A] other-app.example")
                        .contains("query[A] root.example").doesNotContain("cgroup-app.example").doesNotContain("uid-app.example")
                        .doesNotContain("loopback-");

                assertThat(netext.terminate(START)).isZero();
            }
            assertClean(nx, "after a clean stop");
            assertThat(curlIn(nx, tunnelled, "after.example")).isEqualTo("hello after.example:8080 from " + NX_OUTSIDE);

            // kill -9 leaves the table and the policy rule; diagnose --fix removes them
            try (NetextProcess netext = NetextProcess.up(nx, profile)) {
                netext.awaitConnected(START);
                netext.kill();
            }
            assertThat(nx.run("nft", "list", "tables").output()).contains("netext-apps-");
            assertThat(nx.ip("rule").output()).contains("fwmark");
            try (NetextProcess fix = NetextProcess.start(nx, "diagnose", "--fix")) {
                fix.waitFor(START);
                assertClean(nx, "after kill -9 and diagnose --fix:\n" + fix.output());
            }

            // the daemon: the same profile from its profiles directory
            try (DaemonUnderTest d = new DaemonUnderTest(nx, Files.createDirectories(dir.resolve("daemon")))) {
                d.profile("perapp.yaml", Files.readString(profile).replace("config: ", "config: " + dir + "/"));
                d.cli("reload");
                d.awaitComponent("perapp", c -> c.path("status").asText().equals("connected"), START);
                assertThat(curlIn(nx, tunnelled, "daemon-app.example")).as(d.process.output())
                        .isEqualTo("hello daemon-app.example:8080 from " + GO_FAR);
                assertThat(curlIn(nx, direct, "daemon-other.example")).isEqualTo("hello daemon-other.example:8080 from " + NX_OUTSIDE);
                assertThat(Files.readString(insideLog)).contains("query[A] daemon-app.example").doesNotContain("daemon-other");
                assertThat(d.stop()).isZero();
            }
            assertClean(nx, "after the daemon's clean stop");
        } finally {
            Files.deleteIfExists(resolvConf);
            removeCgroups(cgroups, tunnelled, direct);
        }
    }

    private Path profile(String ifname, String cgroup) throws IOException {
        Path conf = dir.resolve(ifname + ".conf");
        Files.writeString(conf, """
                [Interface]
                PrivateKey = %s
                Address = %s/24
                DNS = %s
                [Peer]
                PublicKey = %s
                AllowedIPs = 0.0.0.0/0
                Endpoint = %s:51820
                PersistentKeepalive = 5
                """.formatted(nxKey.toBase64(), NX_INSIDE, GO_INSIDE, goKey.publicKey().toBase64(), GO_OUTSIDE));
        Path profile = dir.resolve("perapp.yaml");
        Files.writeString(profile, """
                name: perapp
                tunnel:
                  provider: wireguard
                  interface: %s
                  config: %s
                  apps:
                    - { cgroup: %s }
                    - { uid: %d }
                """.formatted(ifname, conf.getFileName(), cgroup, APP_UID));
        return profile;
    }

    private WireguardGo server(NetworkNamespace go) throws Exception {
        WireguardGo wg = WireguardGo.start(go, WireguardGo.uniqueName("wgo"));
        Path key = WireguardGo.keyFile(dir, "go.key", goKey.toBase64());
        wg.wgSet("private-key", key.toString(), "listen-port", "51820", "peer", nxKey.publicKey().toBase64(),
                "allowed-ips", NX_INSIDE + "/32");
        wg.addressAndUp(GO_INSIDE + "/24");
        return wg;
    }

    /** A dnsmasq answering every name with the web server's address and logging each query to {@code log}. */
    private record Resolver(Process process) implements AutoCloseable {
        static Resolver start(NetworkNamespace ns, String address, Path log) throws Exception {
            return new Resolver(Dnsmasq.start(ns, address, "--address=/example/" + FAR, "--log-queries",
                    "--log-facility=" + log));
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /**
     * curl of {@code http://NAME:8080/} from a process put into {@code cgroup} before it runs curl: the shell waits on
     * its stdin until this JVM has moved it ({@code ip netns exec} hides the cgroup tree from the shell itself).
     */
    private static String curlIn(NetworkNamespace ns, Path cgroup, String name) throws Exception {
        Process p = ns.exec("sh", "-c", "read go && exec curl -sS -m 10 http://" + name + ":" + HTTP + "/");
        Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()));
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
        return out;
    }

    private static String curlAs(NetworkNamespace ns, int uid, String name) throws IOException {
        ExecResult r = ns.run(Duration.ofSeconds(15), "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "curl", "-sS", "-m", "10", "http://" + name + ":" + HTTP + "/");
        return r.output().strip();
    }

    /** The A record dig gets for {@code name} from {@code server}, as {@code uid}; empty when none answers. */
    private static String digAs(NetworkNamespace ns, int uid, String server, String name) throws IOException {
        ExecResult r = ns.run(Duration.ofSeconds(15), "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "dig", "+short", "+time=2", "+tries=1", "@" + server, name);
        return r.exitCode() == 0 ? r.output().strip() : "";
    }

    private static void assertClean(NetworkNamespace nx, String when) throws IOException {
        assertThat(nx.run("nft", "list", "tables").output()).as(when).doesNotContain("netext-apps-");
        assertThat(nx.ip("rule").output()).as(when).doesNotContain("fwmark");
    }

    /** Where this host mounts the cgroup v2 hierarchy (hybrid hosts: its "unified" part). */
    private static Path cgroup2Root() {
        for (Path p : CGROUP2_ROOTS) if (Files.exists(p.resolve("cgroup.procs"))) return p;
        throw new IllegalStateException("no cgroup v2 hierarchy under /sys/fs/cgroup");
    }

    private static void removeCgroups(Path... dirs) throws IOException {
        for (Path d : List.of(dirs).reversed()) {
            // a process still inside would keep it: its members go back to the root first
            Path procs = d.resolve("cgroup.procs");
            if (Files.exists(procs)) for (String pid : Files.readAllLines(procs))
                Files.writeString(cgroup2Root().resolve("cgroup.procs"), pid);
        }
        for (Path d : List.of(dirs).reversed()) Files.deleteIfExists(d);
    }
}
