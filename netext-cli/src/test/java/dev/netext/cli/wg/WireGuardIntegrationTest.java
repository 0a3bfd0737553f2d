package dev.netext.cli.wg;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.wireguard.Key;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netext's WireGuard against Debian's wireguard-go and the real {@code wg} tool, in namespaces of the test's own:
 * "go" runs wireguard-go, "nx" runs {@code netext wg up FILE} in a child JVM, a veth joins them (10.91.0.0/24,
 * fd91::/64 outside; 10.201.0.0/24, fd01:201::/64 inside the tunnel).
 */
class WireGuardIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP = Duration.ofSeconds(20);
    static final String GO_OUTSIDE = "10.91.0.1", NX_OUTSIDE = "10.91.0.2";
    static final String GO_INSIDE = "10.201.0.1", NX_INSIDE = "10.201.0.2";
    static final String GO_INSIDE6 = "fd01:201::1", NX_INSIDE6 = "fd01:201::2";

    @TempDir
    Path dir;

    final Key goKey = Key.generatePrivate();
    final Key nxKey = Key.generatePrivate();
    final Key psk = Key.generatePreshared();

    /** The two namespaces and the veth between them. */
    private record Net(NetworkNamespace go, NetworkNamespace nx) {}

    private Net net(NetnsLab lab) throws Exception {
        NetworkNamespace go = lab.namespace("go");
        NetworkNamespace nx = lab.namespace("nx");
        lab.veth(VethEnd.of("go", "go-eth", GO_OUTSIDE + "/24", "fd91::1/64"), VethEnd.of("nx", "nx-eth", NX_OUTSIDE + "/24", "fd91::2/64"));
        return new Net(go, nx);
    }

    /** wireguard-go with netext as its one peer; {@code netextEndpoint} null makes it the responder only. */
    private WireguardGo startGo(NetworkNamespace ns, Key peerPublic, Key peerPsk, String netextEndpoint) throws Exception {
        WireguardGo go = WireguardGo.start(ns, WireguardGo.uniqueName("wgo"));
        try {
            Path key = WireguardGo.keyFile(dir, "go.key", goKey.toBase64());
            Path pskFile = WireguardGo.keyFile(dir, "go.psk", peerPsk.toBase64());
            var args = new java.util.ArrayList<>(java.util.List.of("private-key", key.toString(), "listen-port", "51820",
                    "peer", peerPublic.toBase64(), "preshared-key", pskFile.toString(),
                    "allowed-ips", NX_INSIDE + "/32," + NX_INSIDE6 + "/128"));
            if (netextEndpoint != null) args.addAll(java.util.List.of("endpoint", netextEndpoint));
            go.wgSet(args.toArray(String[]::new));
            go.addressAndUp(GO_INSIDE + "/24", GO_INSIDE6 + "/64");
            return go;
        } catch (Exception e) {
            go.close();
            throw e;
        }
    }

    /** A wg-quick file for netext; the file (and so the interface) name is unique, the UAPI directory being shared. */
    private Path netextConfig(Key peerPublic, Key peerPsk, String goEndpoint, String extra) throws Exception {
        Path file = dir.resolve(WireguardGo.uniqueName("wnx") + ".conf");
        Files.writeString(file, """
                [Interface]
                PrivateKey = %s
                Address = %s/24, %s/64
                ListenPort = 51820
                %s
                [Peer]
                PublicKey = %s
                PresharedKey = %s
                AllowedIPs = %s/32, %s/128
                %s
                """.formatted(nxKey.toBase64(), NX_INSIDE, NX_INSIDE6, extra, peerPublic.toBase64(), peerPsk.toBase64(),
                GO_INSIDE, GO_INSIDE6, goEndpoint == null ? "" : "Endpoint = " + goEndpoint));
        return file;
    }

    private static String ifname(Path conf) {
        String f = conf.getFileName().toString();
        return f.substring(0, f.length() - ".conf".length());
    }

    private static void ping(NetworkNamespace ns, String address) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "3", address);
        assertThat(r.exitCode()).as("ping %s:\n%s", address, r.output()).isZero();
    }

    /** A short iperf3 TCP transfer from {@code client} to the server in {@code server}; returns receiver bits/s. */
    private static double iperf(NetworkNamespace server, NetworkNamespace client, String address, int seconds) throws Exception {
        Process s = server.exec("iperf3", "-s", "-1", "-p", "5201");
        try {
            ExecResult r = null;
            for (int i = 0; i < 20; i++) { // the server needs a moment to listen
                r = client.run(Duration.ofSeconds(seconds + 20), "iperf3", "-c", address, "-p", "5201", "-t", String.valueOf(seconds), "-f", "m");
                if (r.ok() || !r.output().contains("Connection refused")) break;
                Thread.sleep(100);
            }
            assertThat(r.exitCode()).as("iperf3:\n%s", r.output()).isZero();
            Matcher m = Pattern.compile("([\\d.]+) Mbits/sec.*receiver").matcher(r.output());
            assertThat(m.find()).as(r.output()).isTrue();
            return Double.parseDouble(m.group(1)) * 1e6;
        } finally {
            s.destroyForcibly();
        }
    }

    @NetnsTest
    void netextInitiatesToWireguardGoPingBothFamiliesAndIperf(NetnsLab lab) throws Exception {
        Net n = net(lab);
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, null);
             NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", netextConfig(goKey.publicKey(), psk, GO_OUTSIDE + ":51820", "").toString())) {
            nx.awaitConnected(START);
            ping(n.nx(), GO_INSIDE);      // wireguard-go knows no endpoint: netext must initiate
            ping(n.nx(), GO_INSIDE6);
            assertThat(go.show().output()).contains("latest handshake").contains("endpoint: " + NX_OUTSIDE + ":51820");
            assertThat(iperf(n.go(), n.nx(), GO_INSIDE, 2)).isPositive();
            assertThat(nx.terminate(STOP)).isZero();
        }
    }

    @NetnsTest
    void wireguardGoInitiatesNetextRespondsPingBothFamiliesAndIperf(NetnsLab lab) throws Exception {
        Net n = net(lab);
        // this time through a profile that references the wg-quick file: tunnel: { provider: wireguard, config: … }
        Path conf = netextConfig(goKey.publicKey(), psk, null, "");
        Path profile = dir.resolve("wg-profile.yaml");
        Files.writeString(profile, "name: wg-it\ntunnel:\n  provider: wireguard\n  interface: " + ifname(conf)
                + "\n  config: " + conf.getFileName() + "\n");
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, NX_OUTSIDE + ":51820");
             NetextProcess nx = NetextProcess.up(n.nx(), profile)) {
            assertThat(nx.awaitConnected(START)).contains("provider wireguard").contains(NX_INSIDE + "/24");
            ping(n.go(), NX_INSIDE);      // netext knows no endpoint: wireguard-go must initiate
            ping(n.go(), NX_INSIDE6);
            assertThat(iperf(n.nx(), n.go(), NX_INSIDE, 2)).isPositive();
            assertThat(nx.terminate(STOP)).isZero();
        }
    }

    @NetnsTest
    void wireguardGoRestartedMidTransferTheSessionRecoversByItself(NetnsLab lab) throws Exception {
        Net n = net(lab);
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, NX_OUTSIDE + ":51820");
             NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", netextConfig(goKey.publicKey(), psk, GO_OUTSIDE + ":51820", "").toString())) {
            nx.awaitConnected(START);
            ping(n.nx(), GO_INSIDE);
            Process server = n.go().exec("iperf3", "-s", "-1", "-p", "5202");
            Thread.sleep(300);
            Process client = n.nx().exec("iperf3", "-c", GO_INSIDE, "-p", "5202", "-t", "8", "-i", "1", "-f", "m", "--forceflush");
            try {
                Thread.sleep(2500);
                // A new process: no sessions, no memory of netext's indices; netext's data is dropped until a new
                // handshake. With a persistent keepalive (as a restarted server usually has) wireguard-go initiates at
                // once; without one, netext's own timers would start it after KEEPALIVE_TIMEOUT + REKEY_TIMEOUT (15 s).
                go.restart();
                go.wgSet("private-key", WireguardGo.keyFile(dir, "go.key", goKey.toBase64()).toString(), "listen-port", "51820",
                        "peer", nxKey.publicKey().toBase64(), "preshared-key", WireguardGo.keyFile(dir, "go.psk", psk.toBase64()).toString(),
                        "endpoint", NX_OUTSIDE + ":51820", "persistent-keepalive", "25",
                        "allowed-ips", NX_INSIDE + "/32," + NX_INSIDE6 + "/128");
                go.addressAndUp(GO_INSIDE + "/24", GO_INSIDE6 + "/64");
                assertThat(client.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)).as("iperf3 finished").isTrue();
                String out = new String(client.getInputStream().readAllBytes());
                assertThat(client.exitValue()).as(out).isZero();
                // the last whole seconds of the transfer, after the restart, moved data again
                Matcher m = Pattern.compile("\\s(\\d+)\\.00-(\\d+)\\.00\\s+sec\\s+\\S+ \\w?Bytes\\s+([\\d.]+) Mbits/sec").matcher(out);
                double late = 0;
                while (m.find()) if (Integer.parseInt(m.group(1)) >= 6 && Integer.parseInt(m.group(2)) <= 8) late += Double.parseDouble(m.group(3));
                assertThat(late).as("throughput in seconds 6-8 after a restart at 2.5 s:\n%s", out).isPositive();
            } finally {
                client.destroyForcibly();
                server.destroyForcibly();
            }
            ping(n.nx(), GO_INSIDE6);
            assertThat(go.show().output()).contains("latest handshake");
            assertThat(nx.terminate(STOP)).isZero();
        }
    }

    /** An nft counter of UDP datagrams from wireguard-go's port arriving in {@code ns}, and of those netext sends to it. */
    private static void countWireguardDatagrams(NetworkNamespace ns) throws Exception {
        ns.run("nft", "add table inet wgcount").orThrow();
        ns.run("nft", "add chain inet wgcount in { type filter hook input priority 0 ; }").orThrow();
        ns.run("nft", "add chain inet wgcount out { type filter hook output priority 0 ; }").orThrow();
        ns.run("nft", "add rule inet wgcount in udp sport 51820 ip saddr " + GO_OUTSIDE + " counter").orThrow();
        ns.run("nft", "add rule inet wgcount out udp dport 51820 ip daddr " + GO_OUTSIDE + " counter").orThrow();
    }

    /** [packets received from wireguard-go, packets sent to it]. */
    private static long[] counted(NetworkNamespace ns) throws Exception {
        String rules = ns.run("nft", "list table inet wgcount").orThrow().output();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(rules);
        long[] c = new long[2];
        for (int i = 0; i < 2 && m.find(); i++) c[i] = Long.parseLong(m.group(1));
        return c;
    }

    private static void pingFails(NetworkNamespace ns, String address) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.5", "-W", "1", address);
        assertThat(r.exitCode()).as("ping %s must fail:\n%s", address, r.output()).isNotZero();
    }

    @NetnsTest
    void aWrongPublicKeyGetsNoAnswerAtAll(NetnsLab lab) throws Exception {
        Net n = net(lab);
        countWireguardDatagrams(n.nx());
        Key notGo = Key.generatePrivate().publicKey();
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, null);
             NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", netextConfig(notGo, psk, GO_OUTSIDE + ":51820", "").toString())) {
            nx.awaitConnected(START);
            pingFails(n.nx(), GO_INSIDE);
            long[] c = counted(n.nx());
            assertThat(c[1]).as("initiations netext sent").isPositive();
            assertThat(c[0]).as("datagrams wireguard-go sent back").isZero();
            assertThat(go.show().output()).doesNotContain("latest handshake").doesNotContain("transfer");
            assertThat(nx.terminate(STOP)).isZero();
        }
    }

    @NetnsTest
    void aWrongPresharedKeyNeverCompletesAHandshake(NetnsLab lab) throws Exception {
        Net n = net(lab);
        countWireguardDatagrams(n.nx());
        Key otherPsk = Key.generatePreshared();
        Path conf = netextConfig(goKey.publicKey(), otherPsk, GO_OUTSIDE + ":51820", "");
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, null);
             NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", conf.toString())) {
            nx.awaitConnected(START);
            pingFails(n.nx(), GO_INSIDE);
            // IKpsk2 mixes the PSK in only at the response: wireguard-go answers the initiation (it cannot know),
            // and netext refuses that answer. No session forms on either side, no data crosses.
            long[] c = counted(n.nx());
            assertThat(c[1]).as("initiations netext sent").isPositive();
            assertThat(c[0]).as("wireguard-go sent responses only, never transport").isLessThanOrEqualTo(c[1]);
            assertThat(go.show().output()).doesNotContain("latest handshake");
            ExecResult show = n.nx().run("wg", "show", ifname(conf));
            assertThat(show.output()).as(show.output()).doesNotContain("latest handshake");
            assertThat(nx.terminate(STOP)).isZero();
        }
    }

    @NetnsTest
    void theWgToolShowsAndSetsANetextTunnelThroughItsUapiSocket(NetnsLab lab) throws Exception {
        Net n = net(lab);
        Path conf = netextConfig(goKey.publicKey(), psk, GO_OUTSIDE + ":51820", "");
        String name = ifname(conf);
        Path socket = Path.of("/var/run/wireguard", name + ".sock");
        try (WireguardGo go = startGo(n.go(), nxKey.publicKey(), psk, null);
             NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", conf.toString())) {
            nx.awaitConnected(START);
            assertThat(socket).exists();
            ping(n.nx(), GO_INSIDE);

            String wg = n.nx().run("wg", "show", name).orThrow().output();
            assertThat(wg).contains("interface: " + name).contains("public key: " + nxKey.publicKey().toBase64())
                    .contains("listening port: 51820").contains("peer: " + goKey.publicKey().toBase64())
                    .contains("preshared key: (hidden)").contains("endpoint: " + GO_OUTSIDE + ":51820")
                    .contains("allowed ips: " + GO_INSIDE + "/32, " + GO_INSIDE6 + "/128").contains("latest handshake:")
                    .contains("transfer:");
            // netext wg show prints what wg show prints; "N seconds ago" moves on while a JVM starts, so it is
            // compared as a pattern, the rest byte for byte
            String ours;
            try (NetextProcess show = NetextProcess.start(n.nx(), "wg", "show", name)) {
                assertThat(show.waitFor(START)).isZero();
                ours = show.output() + "\n";
            }
            wg = n.nx().run("wg", "show", name).orThrow().output();
            // wg prints "Now" for a handshake less than a second old, else "N seconds ago"
            String ago = "latest handshake: (Now|(\\d+ (second|minute)s?(, )?)+ ago)";
            assertThat(ours).containsPattern(ago);
            assertThat(ours.replaceAll(ago, "latest handshake: T")).isEqualTo(wg.replaceAll(ago, "latest handshake: T"));
            assertThat(n.nx().run("wg", "showconf", name).orThrow().output()).contains("PrivateKey = " + nxKey.toBase64());

            Key extra = Key.generatePrivate().publicKey();
            n.nx().run("wg", "set", name, "peer", goKey.publicKey().toBase64(), "persistent-keepalive", "7",
                    "allowed-ips", GO_INSIDE + "/32," + GO_INSIDE6 + "/128,10.202.0.0/24",
                    "peer", extra.toBase64(), "endpoint", "[fd91::9]:4000", "allowed-ips", "10.203.0.0/16").orThrow();
            String after = n.nx().run("wg", "show", name).orThrow().output();
            assertThat(after).contains("persistent keepalive: every 7 seconds").contains("10.202.0.0/24")
                    .contains("peer: " + extra.toBase64()).contains("endpoint: [fd91::9]:4000").contains("allowed ips: 10.203.0.0/16");
            n.nx().run("wg", "set", name, "peer", extra.toBase64(), "remove").orThrow();
            assertThat(n.nx().run("wg", "show", name).orThrow().output()).doesNotContain(extra.toBase64());
            ExecResult refused = n.nx().run("wg", "set", name, "listen-port", "4444");
            assertThat(refused.exitCode()).as(refused.output()).isNotZero();
            ping(n.nx(), GO_INSIDE6);     // still working after all that

            assertThat(nx.terminate(STOP)).isZero();
        }
        assertThat(socket).doesNotExist();
    }

    @NetnsTest
    void killMinus9LeavesASocketThatTheNextStartRemoves(NetnsLab lab) throws Exception {
        Net n = net(lab);
        Path conf = netextConfig(goKey.publicKey(), psk, GO_OUTSIDE + ":51820", "");
        Path socket = Path.of("/var/run/wireguard", ifname(conf) + ".sock");
        NetextProcess crashed = NetextProcess.start(n.nx(), "wg", "up", conf.toString());
        try {
            crashed.awaitConnected(START);
            crashed.kill();
            assertThat(socket).exists();  // nothing of netext ran after SIGKILL
        } finally {
            crashed.close();
        }
        Path next = netextConfig(goKey.publicKey(), psk, GO_OUTSIDE + ":51820", "ListenPort = 0").toAbsolutePath();
        Files.writeString(next, Files.readString(next).replace("ListenPort = 51820\n", ""));
        try (NetextProcess nx = NetextProcess.start(n.nx(), "wg", "up", next.toString())) {
            assertThat(nx.awaitConnected(START)).isNotNull();
            assertThat(nx.output()).contains("removed what a crashed instance (pid " + crashed.pid() + ") left");
            assertThat(socket).doesNotExist();
            assertThat(nx.terminate(STOP)).isZero();
        }
    }
}
