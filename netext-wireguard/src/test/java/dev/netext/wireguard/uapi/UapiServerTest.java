package dev.netext.wireguard.uapi;

import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.Peer;
import dev.netext.wireguard.config.WgQuickParser;
import dev.netext.wireguard.tunnel.QueueFlow;
import dev.netext.wireguard.tunnel.WgInterface;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The UAPI protocol over a real Unix socket in a temporary directory, on a running interface. */
class UapiServerTest {
    static final Key OWN = Key.generatePrivate(), PEER = Key.generatePrivate().publicKey(), PSK = Key.generatePreshared();

    @TempDir
    Path dir;
    WgInterface wg;
    UapiServer server;
    Thread acceptor;

    @BeforeEach
    void start() throws Exception {
        wg = WgInterface.start(WgQuickParser.parse("""
                [Interface]
                PrivateKey = %s
                [Peer]
                PublicKey = %s
                PresharedKey = %s
                Endpoint = 127.0.0.1:9
                AllowedIPs = 10.251.0.0/24, fd00:251::/64
                """.formatted(OWN.toBase64(), PEER.toBase64(), PSK.toBase64()), Path.of("u.conf")), new QueueFlow(), 1420, 0);
        server = UapiServer.bind(UapiServer.socketPath(dir, "wgu0"), wg);
        acceptor = Thread.ofPlatform().start(() -> { try { server.routineAccept(); } catch (IOException e) { throw new RuntimeException(e); } });
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        acceptor.join(2000);
        wg.close();
    }

    private String request(String text) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.path()));
            c.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            InputStream in = Channels.newInputStream(c);
            StringBuilder sb = new StringBuilder();
            int ch;
            while ((ch = in.read()) >= 0) {
                sb.append((char) ch);
                if (sb.toString().endsWith("\n\n")) break;
            }
            return sb.toString();
        }
    }

    @Test
    void getReportsWhatWireguardGoReports() throws Exception {
        String get = request("get=1\n\n");
        assertThat(get).startsWith("private_key=" + OWN.toHex() + "\nlisten_port=" + wg.udp().port() + "\n")
                .contains("public_key=" + PEER.toHex() + "\npreshared_key=" + PSK.toHex() + "\nprotocol_version=1\n"
                        + "endpoint=127.0.0.1:9\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
                        + "persistent_keepalive_interval=0\nallowed_ip=10.251.0.0/24\nallowed_ip=fd00:251::/64\n")
                .endsWith("errno=0\n\n").doesNotContain("fwmark");
        assertThat(Files.getPosixFilePermissions(server.path())).hasSize(2); // rw for root only
    }

    @Test
    void setChangesPeersAsWgSetDoes() throws Exception {
        Key other = Key.generatePrivate().publicKey();
        assertThat(request("set=1\nfwmark=4660\npublic_key=" + PEER.toHex() + "\npersistent_keepalive_interval=25\n"
                + "replace_allowed_ips=true\nallowed_ip=10.9.0.0/16\nendpoint=[::1]:51820\n"
                + "public_key=" + other.toHex() + "\npreshared_key=" + PSK.toHex() + "\nallowed_ip=10.10.0.1/32\n\n")).isEqualTo("errno=0\n\n");
        Peer p = wg.device().peer(PEER);
        assertThat(p.persistentKeepalive()).isEqualTo(25);
        assertThat(wg.device().allowedIps().prefixesOf(p)).containsExactly(IpPrefix.parse("10.9.0.0/16"));
        assertThat(p.endpoint().getPort()).isEqualTo(51820);
        assertThat(wg.device().peer(other)).isNotNull();
        assertThat(wg.udp().mark()).isEqualTo(4660);
        assertThat(request("get=1\n\n")).contains("fwmark=4660\n").contains("endpoint=[0:0:0:0:0:0:0:1]:51820".replace("0:0:0:0:0:0:0:1", "::1"));

        // update_only for an unknown peer creates nothing; remove removes
        Key ghost = Key.generatePrivate().publicKey();
        assertThat(request("set=1\npublic_key=" + ghost.toHex() + "\nupdate_only=true\nallowed_ip=10.99.0.0/16\n\n")).isEqualTo("errno=0\n\n");
        assertThat(wg.device().peer(ghost)).isNull();
        assertThat(request("set=1\npublic_key=" + other.toHex() + "\nremove=true\n\n")).isEqualTo("errno=0\n\n");
        assertThat(wg.device().peer(other)).isNull();
        // our own key as a peer is skipped, as wireguard-go does
        assertThat(request("set=1\npublic_key=" + OWN.publicKey().toHex() + "\nallowed_ip=10.98.0.0/16\n\n")).isEqualTo("errno=0\n\n");
        assertThat(wg.device().peer(OWN.publicKey())).isNull();
        // replace_peers
        assertThat(request("set=1\nprivate_key=" + OWN.toHex() + "\nreplace_peers=true\n\n")).isEqualTo("errno=0\n\n");
        assertThat(wg.device().peers()).isEmpty();
    }

    @Test
    void badRequestsGetAnErrnoAndChangeNothingAfterTheBadLine() throws Exception {
        assertThat(request("set=1\nlisten_port=1\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\nprivate_key=" + Key.generatePrivate().toHex() + "\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\nbogus=1\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\npublic_key=zz\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\npublic_key=" + PEER.toHex() + "\nendpoint=1.2.3.4\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\npublic_key=" + PEER.toHex() + "\nallowed_ip=10.0.0.0/99\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\npublic_key=" + PEER.toHex() + "\nprotocol_version=2\n\n")).isEqualTo("errno=22\n\n");
        assertThat(request("set=1\nno equals sign\n\n")).isEqualTo("errno=71\n\n");
        assertThat(request("get=1\nextra=1\n\n")).isEqualTo("errno=71\n\n");
        assertThat(request("hello\n\n")).isEqualTo("errno=71\n\n");
        assertThat(wg.device().peer(PEER)).isNotNull();
    }

    @Test
    void fuzzedRequestsAreAnsweredNeverCrashTheServer() throws Exception {
        Random r = new Random(42);
        String[] keys = {"public_key", "preshared_key", "endpoint", "allowed_ip", "persistent_keepalive_interval", "remove",
                "update_only", "replace_allowed_ips", "fwmark", "listen_port", "protocol_version", "x"};
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "set=1\n" : "get=1\n");
            int lines = r.nextInt(6);
            for (int l = 0; l < lines; l++) {
                String k = keys[r.nextInt(keys.length)];
                String v = switch (r.nextInt(5)) {
                    case 0 -> PEER.toHex();
                    case 1 -> Integer.toString(r.nextInt(100_000) - 10);
                    case 2 -> "[fd00::" + r.nextInt(99) + "]:" + r.nextInt(70_000);
                    case 3 -> "10." + r.nextInt(300) + ".0.0/" + r.nextInt(40);
                    default -> "true";
                };
                sb.append(k).append('=').append(v).append('\n');
            }
            String reply = request(sb.append('\n').toString());
            assertThat(reply).as(sb.toString()).matches("(?s).*errno=\\d+\n\n");
        }
        assertThat(request("get=1\n\n")).endsWith("errno=0\n\n");
    }

    @Test
    void aLiveSocketIsNeverTakenOverAStaleOneIsReplaced() throws Exception {
        assertThatThrownBy(() -> UapiServer.bind(server.path(), wg)).hasMessageContaining("in use");
        Path stale = dir.resolve("stale.sock");
        Files.createFile(stale);
        UapiServer.deleteIfStale(stale);
        assertThat(stale).doesNotExist();
        assertThat(UapiServer.answers(server.path())).isTrue();
    }

    /** Idle clients and requests cut short (no blank line) hold only their own connection: {@code wg} is answered at once. */
    @Test
    void idleAndHalfSentClientsNeverDelayAnotherRequest() throws Exception {
        assertThat(request("get=1\n\n")).endsWith("errno=0\n\n"); // warm
        List<SocketChannel> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(UnixDomainSocketAddress.of(server.path()));
                if (i % 2 == 1) c.write(ByteBuffer.wrap("set=1\nlisten_port=".getBytes(StandardCharsets.UTF_8)));
                stalled.add(c);
            }
            long t0 = System.nanoTime();
            assertThat(request("get=1\n\n")).endsWith("errno=0\n\n");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered while 20 clients stall").isLessThan(Duration.ofSeconds(3));
        } finally {
            for (SocketChannel c : stalled) c.close();
        }
    }
}
