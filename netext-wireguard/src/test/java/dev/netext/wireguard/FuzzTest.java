package dev.netext.wireguard;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random datagrams, truncations and bit-flip mutations of valid messages (a corpus of every message type from two
 * netext devices plus the wireguard-go vectors) never throw, never reach the TUN side, never answer and never change
 * a session: afterwards the original traffic still flows.
 */
class FuzzTest {
    static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.66", 1234);

    List<byte[]> corpus(DevicePair p) throws IOException {
        List<byte[]> corpus = new ArrayList<>();
        p.b.device.handshakeBacklog(Constants.UNDER_LOAD_QUEUE_DEPTH);   // yields a cookie reply too
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        p.time.advance(Constants.UNDER_LOAD_AFTER_TIME.plusSeconds(5));
        p.a.device.tick();
        p.pump();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 2));
        p.b.device.send(DeviceTest.ping("fd00::2", "fd00::1", 3));
        p.pump();
        corpus.addAll(p.a.sentLog);
        corpus.addAll(p.b.sentLog);
        for (String kat : List.of("wireguard-go-initiator.kat", "wireguard-go-responder.kat")) {
            corpus.addAll(WireguardGoKnownAnswerTest.load(kat).datagrams());
        }
        return corpus;
    }

    @Test
    void mutatedTruncatedAndRandomDatagramsAreDroppedCleanly() throws IOException {
        DevicePair p = new DevicePair();
        List<byte[]> corpus = corpus(p);
        assertThat(corpus.stream().map(m -> m[0]).distinct()).contains((byte) 1, (byte) 2, (byte) 3, (byte) 4);
        int deliveredBefore = p.b.delivered.size() + p.a.delivered.size();
        Keypair aKeys = p.a.peer.currentKeypair(), bKeys = p.b.peer.currentKeypair();
        Random r = new Random(0x5eed);
        for (int i = 0; i < 20_000; i++) {
            byte[] msg = mutate(corpus.get(r.nextInt(corpus.size())), r);
            Side target = r.nextBoolean() ? Side.A : Side.B;
            (target == Side.A ? p.a : p.b).device.receive(ByteBuffer.wrap(msg), FROM);
        }
        assertThat(p.a.wire).as("no answers to garbage (not even cookies: not under load)").isEmpty();
        assertThat(p.b.wire).isEmpty();
        assertThat(p.b.delivered.size() + p.a.delivered.size()).isEqualTo(deliveredBefore);
        assertThat(p.a.peer.currentKeypair()).isSameAs(aKeys);
        assertThat(p.b.peer.currentKeypair()).isSameAs(bKeys);
        assertThat(p.b.peer.endpoint()).isEqualTo(DevicePair.A_ADDR);

        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 9));
        p.pump();
        assertThat(p.b.delivered.getLast()).isEqualTo(DeviceTest.ping("10.0.0.1", "10.0.0.2", 9).array());
    }

    enum Side { A, B }

    static byte[] mutate(byte[] valid, Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> java.util.Arrays.copyOf(valid, r.nextInt(valid.length));            // truncated
            case 1 -> {                                                                     // extended
                byte[] b = java.util.Arrays.copyOf(valid, valid.length + 1 + r.nextInt(64));
                yield b;
            }
            case 2 -> {                                                                     // random bytes, valid type
                byte[] b = new byte[r.nextInt(200)];
                r.nextBytes(b);
                if (b.length > 4) { b[0] = (byte) (1 + r.nextInt(4)); b[1] = b[2] = b[3] = 0; }
                yield b;
            }
            case 3 -> {                                                                     // random length of a type
                int[] sizes = {Messages.INITIATION_SIZE, Messages.RESPONSE_SIZE, Messages.COOKIE_REPLY_SIZE, Messages.KEEPALIVE_SIZE};
                int t = r.nextInt(4);
                byte[] b = new byte[sizes[t]];
                r.nextBytes(b);
                b[0] = (byte) (t + 1); b[1] = b[2] = b[3] = 0;
                yield b;
            }
            default -> {                                                                    // 1-4 bit flips
                byte[] b = valid.clone();
                int flips = 1 + r.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = r.nextInt(b.length);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                yield b;
            }
        };
    }
}
