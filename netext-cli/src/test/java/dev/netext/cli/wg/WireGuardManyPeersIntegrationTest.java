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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-peer order with sealing and opening spread over worker threads: a hub with {@link #PEERS} wireguard-go spokes
 * (each in a namespace of its own, a veth each to the hub), parallel TCP streams to and from every spoke at once, so
 * a TUN batch and a UDP burst mix peers; netext runs with {@link #WORKERS} crypto workers per direction (more than
 * its default on a small machine), so batches are sealed and opened in parallel. The same spokes and traffic run
 * against netext as the hub and against wireguard-go as the hub, twice each in turns; for each direction the senders' TCP retransmission
 * rate (retransmitted segments per segment sent, from iperf3's JSON) with netext must be within one percentage point
 * of wireguard-go's. The reorderings the senders' TCP detected (TcpExt TCPSACKReorder, TCPTSReorder, TCPRenoReorder)
 * are reported, not asserted: from a netext hub they read 0.1-0.3 % of segments with and without workers (loss
 * recovery under load counts there too), so they cannot tell a one-packet reorder from noise — which TCP absorbs
 * without a retransmission anyway. {@code BatchCryptoTest} checks the exact order on the worker pools.
 */
class WireGuardManyPeersIntegrationTest {
    static final int PEERS = 4;
    static final int STREAMS = 2;
    static final int SECONDS = 3;
    static final int WORKERS = 2;
    static final String HUB_IN = "10.204.0.1";
    /** The segment size iperf3's bytes are divided by: MTU 1420 minus IPv4 and TCP headers with timestamps. */
    static final double MSS = 1368;

    @TempDir
    Path dir;

    final Key hubKey = Key.generatePrivate();
    final Key[] spokeKeys = new Key[PEERS];

    static String spokeIn(int i) { return "10.204.0." + (11 + i); }
    static String hubOut(int i) { return "10.94." + i + ".1"; }
    static String spokeOut(int i) { return "10.94." + i + ".2"; }

    /** Segments sent, retransmitted, and reorderings the senders' TCP detected, over every stream of one direction. */
    record Transfer(long segments, long retransmits, long reorderings) {
        double rate() { return segments == 0 ? 0 : (double) retransmits / segments; }

        Transfer plus(Transfer o) {
            return new Transfer(segments + o.segments, retransmits + o.retransmits, reorderings + o.reorderings);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d segments, %d retransmitted (%.3f %%), %d reorderings", segments, retransmits,
                    100 * rate(), reorderings);
        }
    }

    @NetnsTest
    void manyPeersWithParallelStreamsSeeNoMoreRetransmitsThanWithWireguardGo(NetnsLab lab) throws Exception {
        for (int i = 0; i < PEERS; i++) spokeKeys[i] = Key.generatePrivate();
        NetworkNamespace hub = lab.namespace("hub");
        List<NetworkNamespace> spokes = new ArrayList<>();
        for (int i = 0; i < PEERS; i++) {
            spokes.add(lab.namespace("s" + i));
            lab.veth(VethEnd.of("hub", "hub-e" + i, hubOut(i) + "/24"), VethEnd.of("s" + i, "s-e" + i, spokeOut(i) + "/24"));
        }

        // each hub twice, in turns: a change of the machine's load between phases weighs on both sides
        Transfer[] go = phase(hub, spokes, false), nx = phase(hub, spokes, true);
        go = plus(go, phase(hub, spokes, false));
        nx = plus(nx, phase(hub, spokes, true));
        String report = String.format("to the hub: wireguard-go %s, netext %s; from the hub: wireguard-go %s, netext %s",
                go[0], nx[0], go[1], nx[1]);
        System.out.println(report);
        for (int d = 0; d < 2; d++) {
            assertThat(nx[d].segments()).as(report).isPositive();
            assertThat(nx[d].rate()).as(report).isLessThanOrEqualTo(go[d].rate() + 0.01);
        }
    }

    private static Transfer[] plus(Transfer[] a, Transfer[] b) {
        return new Transfer[] {a[0].plus(b[0]), a[1].plus(b[1])};
    }

    /** Spokes and a hub (netext or wireguard-go) up, then both directions measured; everything stopped afterwards. */
    private Transfer[] phase(NetworkNamespace hub, List<NetworkNamespace> spokes, boolean netextHub) throws Exception {
        List<AutoCloseable> running = new ArrayList<>();
        try {
            for (int i = 0; i < PEERS; i++) running.add(startSpoke(spokes.get(i), i));
            if (netextHub) {
                NetextProcess nx = NetextProcess.startWithJvmOptions(hub, List.of("-Dnetext.wireguard.workers=" + WORKERS),
                        "wg", "up", netextHubConfig().toString());
                running.add(() -> assertThat(nx.terminate(Duration.ofSeconds(20))).as(nx.output()).isZero());
                nx.awaitConnected(Duration.ofSeconds(30));
            } else {
                running.add(startGoHub(hub));
            }
            // a spoke's first handshake initiation can go out before the hub listens; wireguard-go then retries only
            // after REKEY_TIMEOUT (5 s), so each spoke pings until its first answer, for up to 20 s
            for (int i = 0; i < PEERS; i++) {
                ExecResult ping = spokes.get(i).run(Duration.ofSeconds(30), "ping", "-c", "1", "-i", "0.5", "-w", "20", HUB_IN);
                assertThat(ping.exitCode()).as("spoke %d to the hub:\n%s", i, ping.output()).isZero();
            }
            return new Transfer[]{streams(hub, spokes, false), streams(hub, spokes, true)};
        } finally {
            for (AutoCloseable c : running.reversed()) c.close();
        }
    }

    private WireguardGo startSpoke(NetworkNamespace ns, int i) throws Exception {
        WireguardGo go = WireguardGo.start(ns, WireguardGo.uniqueName("wsp"));
        try {
            go.wgSet("private-key", WireguardGo.keyFile(dir, "spoke" + i + ".key", spokeKeys[i].toBase64()).toString(),
                    "listen-port", "51820", "peer", hubKey.publicKey().toBase64(), "endpoint", hubOut(i) + ":51820",
                    "allowed-ips", HUB_IN + "/32");
            go.addressAndUp(spokeIn(i) + "/24");
            return go;
        } catch (Exception e) {
            go.close();
            throw e;
        }
    }

    private WireguardGo startGoHub(NetworkNamespace ns) throws Exception {
        WireguardGo go = WireguardGo.start(ns, WireguardGo.uniqueName("whb"));
        try {
            go.wgSet("private-key", WireguardGo.keyFile(dir, "hub.key", hubKey.toBase64()).toString(), "listen-port", "51820");
            for (int i = 0; i < PEERS; i++) {
                go.wgSet("peer", spokeKeys[i].publicKey().toBase64(), "endpoint", spokeOut(i) + ":51820", "allowed-ips", spokeIn(i) + "/32");
            }
            go.addressAndUp(HUB_IN + "/24");
            return go;
        } catch (Exception e) {
            go.close();
            throw e;
        }
    }

    private Path netextHubConfig() throws Exception {
        StringBuilder conf = new StringBuilder("""
                [Interface]
                PrivateKey = %s
                Address = %s/24
                ListenPort = 51820
                """.formatted(hubKey.toBase64(), HUB_IN));
        for (int i = 0; i < PEERS; i++) {
            conf.append("""
                    [Peer]
                    PublicKey = %s
                    Endpoint = %s:51820
                    AllowedIPs = %s/32
                    """.formatted(spokeKeys[i].publicKey().toBase64(), spokeOut(i), spokeIn(i)));
        }
        Path file = dir.resolve(WireguardGo.uniqueName("wnh") + ".conf");
        Files.writeString(file, conf);
        return file;
    }

    private static final Pattern SUM_SENT = Pattern.compile("\"sum_sent\":\\s*\\{[^}]*?\"bytes\":\\s*(\\d+)[^}]*?\"retransmits\":\\s*(\\d+)");

    /**
     * {@link #STREAMS} TCP streams per spoke, all spokes at once: spokes to the hub, or ({@code fromHub}) the hub to the
     * spokes (iperf3 -R: the hub's side sends and its retransmissions are reported).
     */
    private static Transfer streams(NetworkNamespace hub, List<NetworkNamespace> spokes, boolean fromHub) throws Exception {
        List<Process> servers = new ArrayList<>();
        List<Process> clients = new ArrayList<>();
        List<NetworkNamespace> senders = fromHub ? List.of(hub) : spokes;
        long reorderingsBefore = 0;
        for (NetworkNamespace ns : senders) reorderingsBefore += reorderings(ns);
        try {
            for (int i = 0; i < PEERS; i++) servers.add(hub.exec("iperf3", "-s", "-1", "-p", String.valueOf(5310 + i)));
            Thread.sleep(500);
            for (int i = 0; i < PEERS; i++) {
                List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", HUB_IN, "-p", String.valueOf(5310 + i),
                        "-t", String.valueOf(SECONDS), "-P", String.valueOf(STREAMS), "-J"));
                if (fromHub) cmd.add("-R");
                clients.add(spokes.get(i).exec(cmd.toArray(String[]::new)));
            }
            long segments = 0, retransmits = 0;
            for (Process c : clients) {
                String json = new String(c.getInputStream().readAllBytes());
                assertThat(c.waitFor(SECONDS + 30L, TimeUnit.SECONDS)).isTrue();
                assertThat(c.exitValue()).as(json).isZero();
                Matcher m = SUM_SENT.matcher(json);
                assertThat(m.find()).as("sum_sent with retransmits in:\n%s", json).isTrue();
                segments += Math.round(Long.parseLong(m.group(1)) / MSS);
                retransmits += Long.parseLong(m.group(2));
            }
            long reorderingsAfter = 0;
            for (NetworkNamespace ns : senders) reorderingsAfter += reorderings(ns);
            return new Transfer(segments, retransmits, reorderingsAfter - reorderingsBefore);
        } finally {
            for (Process p : clients) p.destroyForcibly();
            for (Process p : servers) p.destroyForcibly();
        }
    }

    /** The reorderings {@code ns}'s TCP has detected so far (its /proc/net/netstat TcpExt counters). */
    private static long reorderings(NetworkNamespace ns) throws Exception {
        String[] lines = ns.run("cat", "/proc/net/netstat").orThrow().output().split("\n");
        long sum = 0;
        for (int i = 0; i + 1 < lines.length; i++) {
            if (!lines[i].startsWith("TcpExt:") || !lines[i + 1].startsWith("TcpExt:")) continue;
            String[] names = lines[i].trim().split("\\s+"), values = lines[i + 1].trim().split("\\s+");
            for (int k = 1; k < names.length && k < values.length; k++) {
                if (names[k].equals("TCPSACKReorder") || names[k].equals("TCPTSReorder") || names[k].equals("TCPRenoReorder")) {
                    sum += Long.parseLong(values[k]);
                }
            }
            break;
        }
        return sum;
    }
}
