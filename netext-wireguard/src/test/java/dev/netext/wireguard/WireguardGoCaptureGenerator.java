package dev.netext.wireguard;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.api.net.IpPrefix;
import dev.netext.testkit.packet.Packets;
import dev.netext.wire.PacketReflector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records the known-answer vectors in {@code src/test/resources/dev/netext/wireguard/kat} from a real wireguard-go.
 * Disabled unless {@code -Dnetext.wireguard.kat.out=DIR} is given (needs root, wireguard-go and wireguard-tools);
 * see the README there for the exact command. {@link WireguardGoKnownAnswerTest} replays the vectors with no network.
 *
 * <p>Two namespaces joined by a veth: "go" runs {@code wireguard-go -f NAME} configured with {@code wg set}; "nx" runs
 * netext's {@link Device} over a plain UDP socket, with its ephemeral keys, session indices and initiation timestamp
 * fixed so that the test can recreate netext's own messages byte for byte. Every datagram the netext socket sends or
 * receives is written down in order. Scenario 1: wireguard-go initiates (ping from its namespace; netext answers
 * echo requests). Scenario 2: a fresh netext device initiates (echo requests to wireguard-go's tunnel address).
 */
@EnabledIfSystemProperty(named = "netext.wireguard.kat.out", matches = ".+")
class WireguardGoCaptureGenerator {
    static final String GO_PRIVATE = "8GQvgBRHU2/Cn67XnnGUTg5Q142gh4w4AH2M3bivj04=";
    static final String NETEXT_PRIVATE = "2JTUNS4yFEpW2cTgybXpwBJ64rk4KrSxUSONrBA4KVI=";
    static final String PRESHARED = "ZvgVgc56Rryfg5Jbtut40bUxrNzirEKB6PUIaNu+yaU=";
    static final String EPHEMERAL_RESPONDER = "7d6aeb5c1f534dc63710057ef4bf7eae5d179c0714b094b8c77eacdc46b6871a";
    static final String EPHEMERAL_INITIATOR = "af8db1c792e77b5061725fcabd1d8de159947000259d313dd9f1356ffccded89";
    static final long INDEX_SEED_RESPONDER = 51820;
    static final long INDEX_SEED_INITIATOR = 51821;
    static final Instant INITIATION_TIME = Instant.parse("2025-06-01T12:00:00Z");
    static final int PORT = 51820;

    @Test
    void record() throws Exception {
        Path outDir = Path.of(System.getProperty("netext.wireguard.kat.out"));
        Files.createDirectories(outDir);
        String name = "wgkat" + ProcessHandle.current().pid() % 100000;
        Path sock = Path.of("/var/run/wireguard", name + ".sock");
        Path tmp = Files.createTempDirectory("wgkat");
        Process go = null;
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace goNs = lab.namespace("go");
            NetworkNamespace nx = lab.namespace("nx");
            lab.veth(VethEnd.of("go", "kat-go", "10.77.0.1/24", "fd77::1/64"), VethEnd.of("nx", "kat-nx", "10.77.0.2/24", "fd77::2/64"));
            go = goNs.exec("wireguard-go", "-f", name);
            for (int i = 0; i < 100 && !Files.exists(sock); i++) Thread.sleep(50);
            assertThat(sock).exists();
            Files.writeString(tmp.resolve("go.key"), GO_PRIVATE + "\n");
            Files.writeString(tmp.resolve("psk"), PRESHARED + "\n");
            String netextPublic = Key.fromBase64(NETEXT_PRIVATE).publicKey().toBase64();
            goNs.run("wg", "set", name, "private-key", tmp.resolve("go.key").toString(), "listen-port", String.valueOf(PORT),
                    "peer", netextPublic, "preshared-key", tmp.resolve("psk").toString(),
                    "endpoint", "10.77.0.2:" + PORT, "allowed-ips", "10.200.0.2/32,fd00:200::2/128").orThrow();
            goNs.ip("address", "add", "10.200.0.1/24", "dev", name);
            goNs.ip("address", "add", "fd00:200::1/64", "dev", name, "nodad");
            goNs.linkUp(name);

            // Scenario 1: wireguard-go initiates.
            List<String> s1 = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread responder = runNetext(nx, s1, EPHEMERAL_RESPONDER, INDEX_SEED_RESPONDER, stop, null);
            // Observed here: pings sent right after the link comes up got no replies at all, though wireguard-go
            // delivered them to the kernel; a short settle time avoids that.
            Thread.sleep(1500);
            var ping4 = goNs.run(Duration.ofSeconds(10), "ping", "-c", "2", "-i", "0.3", "-w", "5", "10.200.0.2");
            var ping6 = goNs.run(Duration.ofSeconds(10), "ping", "-6", "-c", "2", "-i", "0.3", "-w", "5", "fd00:200::2");
            stop.set(true);
            responder.join();
            assertThat(ping4.ok()).as("ping over IPv4 from wireguard-go: %s", ping4.output()).isTrue();
            assertThat(ping6.ok()).as("ping over IPv6 from wireguard-go: %s", ping6.output()).isTrue();
            String show1 = goNs.run("wg", "show", name).output();
            write(outDir.resolve("wireguard-go-initiator.kat"), "wireguard-go initiates, netext responds",
                    EPHEMERAL_RESPONDER, INDEX_SEED_RESPONDER, s1, ping4.output() + ping6.output() + show1);

            // Scenario 2: a fresh netext device initiates.
            List<String> s2 = new ArrayList<>();
            stop.set(false);
            List<byte[]> pings = List.of(
                    Packets.icmpEcho("10.200.0.2", "10.200.0.1", 0x4e58, 1),
                    Packets.icmpEcho("fd00:200::2", "fd00:200::1", 0x4e58, 2));
            Thread initiator = runNetext(nx, s2, EPHEMERAL_INITIATOR, INDEX_SEED_INITIATOR, stop, pings);
            Thread.sleep(2000);
            stop.set(true);
            initiator.join();
            String show2 = goNs.run("wg", "show", name).output();
            write(outDir.resolve("wireguard-go-responder.kat"), "netext initiates, wireguard-go responds",
                    EPHEMERAL_INITIATOR, INDEX_SEED_INITIATOR, s2, show2);
            assertThat(s2.stream().filter(l -> l.startsWith("in 04")).count()).as("transport from wireguard-go").isGreaterThanOrEqualTo(2);

            go.destroy();
            go.waitFor();
        } finally {
            if (go != null) go.destroyForcibly();
            Files.deleteIfExists(sock);
            try (var files = Files.list(tmp)) { for (Path p : files.toList()) Files.delete(p); }
            Files.delete(tmp);
        }
    }

    /** Runs a netext device on a UDP socket in {@code ns} until {@code stop}; logs datagrams as "in HEX"/"out HEX". */
    private static Thread runNetext(NetworkNamespace ns, List<String> log, String ephemeralHex, long indexSeed,
                                    AtomicBoolean stop, List<byte[]> toSend) {
        Thread t = Thread.ofPlatform().name("netext kat").start(() -> {
            try {
                ns.runInside(() -> {
                    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("10.77.0.2", PORT))) {
                        socket.setSoTimeout(100);
                        List<byte[]> delivered = new ArrayList<>();
                        Device.Outbound out = new Device.Outbound() {
                            @Override public void sendDatagram(ByteBuffer d, InetSocketAddress to) {
                                byte[] b = new byte[d.remaining()];
                                d.duplicate().get(b);
                                log.add("out " + HexFormat.of().formatHex(b));
                                try { socket.send(new DatagramPacket(b, b.length, to)); } catch (IOException e) { throw new RuntimeException(e); }
                            }
                            @Override public void deliverPacket(ByteBuffer p) {
                                byte[] b = new byte[p.remaining()];
                                p.duplicate().get(b);
                                delivered.add(b);
                            }
                        };
                        TimeSource time = new TimeSource() {
                            @Override public long nanoTime() { return System.nanoTime(); }
                            @Override public Instant now() { return INITIATION_TIME; }
                        };
                        byte[] eph = HexFormat.of().parseHex(ephemeralHex);
                        Device device = new Device(Key.fromBase64(NETEXT_PRIVATE), out, time, new Random(indexSeed), eph::clone);
                        Peer peer = device.addPeer(Key.fromBase64(GO_PRIVATE).publicKey());
                        peer.setPresharedKey(Key.fromBase64(PRESHARED));
                        peer.setEndpoint(new InetSocketAddress("10.77.0.1", PORT));
                        device.addAllowedIp(peer, IpPrefix.parse("10.200.0.0/24"));
                        device.addAllowedIp(peer, IpPrefix.parse("fd00:200::/64"));
                        if (toSend != null) for (byte[] p : toSend) device.send(ByteBuffer.wrap(p));
                        PacketReflector reflector = new PacketReflector();
                        byte[] buf = new byte[65536];
                        try {
                        while (!stop.get()) {
                            DatagramPacket dp = new DatagramPacket(buf, buf.length);
                            try {
                                socket.receive(dp);
                            } catch (SocketTimeoutException e) {
                                device.tick();
                                continue;
                            }
                            byte[] d = java.util.Arrays.copyOf(buf, dp.getLength());
                            log.add("in " + HexFormat.of().formatHex(d));
                            device.receive(ByteBuffer.wrap(d), (InetSocketAddress) dp.getSocketAddress());
                            for (byte[] p : delivered) {
                                ByteBuffer bb = ByteBuffer.wrap(p);
                                int n = reflector.reflect(bb, 0, p.length);
                                if (n > 0 && toSend == null) device.send(bb.limit(n));
                            }
                            delivered.clear();
                        }
                        } finally {
                            for (Device.Drop d : Device.Drop.values()) if (device.drops(d) > 0) log.add("# drop " + d + " " + device.drops(d));
                        }
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        return t;
    }

    private static void write(Path file, String title, String ephemeral, long seed, List<String> lines, String notes) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append(". Recorded by WireguardGoCaptureGenerator; see README.md.\n");
        for (String n : notes.strip().split("\n")) sb.append("# | ").append(n).append('\n');
        sb.append("go.private=").append(GO_PRIVATE).append('\n');
        sb.append("netext.private=").append(NETEXT_PRIVATE).append('\n');
        sb.append("preshared=").append(PRESHARED).append('\n');
        sb.append("netext.ephemeral=").append(ephemeral).append('\n');
        sb.append("netext.index.seed=").append(seed).append('\n');
        sb.append("netext.time=").append(INITIATION_TIME).append('\n');
        for (String l : lines) sb.append(l).append('\n');
        Files.writeString(file, sb.toString());
    }
}
