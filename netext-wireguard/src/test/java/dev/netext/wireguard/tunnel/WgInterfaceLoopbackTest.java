package dev.netext.wireguard.tunnel;

import dev.netext.wireguard.Key;
import dev.netext.wireguard.config.WgQuickConfig;
import dev.netext.wireguard.config.WgQuickParser;
import dev.netext.testkit.packet.Packets;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two netext WireGuard interfaces in this JVM, talking over real UDP on 127.0.0.1 through the provider's data path
 * (Netty epoll socket, GSO batcher, TUN sink): handshake, both directions, in order, IPv4 and IPv6 inside.
 */
class WgInterfaceLoopbackTest {
    static final Key A = Key.generatePrivate(), B = Key.generatePrivate();

    static WgQuickConfig config(Key own, Key peer, int port, int peerPort) throws Exception {
        return WgQuickParser.parse("""
                [Interface]
                PrivateKey = %s
                ListenPort = %d
                [Peer]
                PublicKey = %s
                Endpoint = 127.0.0.1:%d
                AllowedIPs = 10.250.0.0/24, fd00:250::/64
                """.formatted(own.toBase64(), port, peer.publicKey().toBase64(), peerPort), Path.of("t.conf"));
    }

    /** The first half all IPv4 (equal sizes: GSO runs), then IPv4 and IPv6 alternating (a run per datagram). */
    private static boolean v4(int i, int n) { return i < n / 2 || i % 2 == 0; }

    @Test
    void packetsCrossBothWaysInOrderOverLoopbackUdp() throws Exception {
        crossBothWays();
    }

    /** The same with crypto workers and several batches in flight each way (the pipelined path; off below 4 cores). */
    @Test
    void packetsCrossBothWaysInOrderWithWorkersAndBatchesInFlight() throws Exception {
        System.setProperty("netext.wireguard.workers", "2");
        try {
            crossBothWays();
        } finally {
            System.clearProperty("netext.wireguard.workers");
        }
    }

    private void crossBothWays() throws Exception {
        QueueFlow fa = new QueueFlow(), fb = new QueueFlow();
        try (WgInterface b = WgInterface.start(config(B, A, 0, 1), fb, 1420, 0)) {
            try (WgInterface a = WgInterface.start(config(A, B, 0, b.udp().port()), fa, 1420, 0)) {
                // b learns a's endpoint from a's handshake (roaming): its configured endpoint port 1 is wrong on purpose
                Thread ta = Thread.ofPlatform().start(() -> { try { a.routineReadFromTun(); } catch (Exception e) { throw new RuntimeException(e); } });
                Thread tb = Thread.ofPlatform().start(() -> { try { b.routineReadFromTun(); } catch (Exception e) { throw new RuntimeException(e); } });
                try {
                    // the first packet waits for the handshake (at most 128 are staged meanwhile, as in wireguard-go)
                    fa.fromTun.add(Packets.icmpEcho("10.250.0.1", "10.250.0.2", 7, 9999));
                    assertThat(fb.awaitDelivered(10)).isEqualTo(Packets.icmpEcho("10.250.0.1", "10.250.0.2", 7, 9999));
                    int n = 2000;
                    for (int i = 0; i < n; i++) {
                        fa.fromTun.add(v4(i, n) ? Packets.icmpEcho("10.250.0.1", "10.250.0.2", 7, i)
                                : Packets.icmpEcho("fd00:250::1", "fd00:250::2", 7, i));
                    }
                    for (int i = 0; i < n; i++) {
                        byte[] got = fb.awaitDelivered(10);
                        assertThat(got).as("packet %d", i).isNotNull();
                        byte[] want = v4(i, n) ? Packets.icmpEcho("10.250.0.1", "10.250.0.2", 7, i)
                                : Packets.icmpEcho("fd00:250::1", "fd00:250::2", 7, i);
                        assertThat(java.util.HexFormat.of().formatHex(got)).as("packet %d in order and intact", i).isEqualTo(java.util.HexFormat.of().formatHex(want));
                    }
                    fb.fromTun.add(Packets.icmpEcho("10.250.0.2", "10.250.0.1", 8, 1));
                    assertThat(fa.awaitDelivered(10)).isEqualTo(Packets.icmpEcho("10.250.0.2", "10.250.0.1", 8, 1));
                    assertThat(a.device().peer(B.publicKey()).lastHandshake()).isNotNull();
                    assertThat(b.device().peer(A.publicKey()).endpoint().getPort()).isEqualTo(a.udp().port());
                } finally {
                    fa.close();
                    fb.close();
                    ta.join(5000);
                    tb.join(5000);
                }
            }
        }
    }
}
