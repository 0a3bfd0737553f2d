package dev.netext.wire.peek;

import static dev.netext.wire.quic.InitialSealer.crypto;
import static dev.netext.wire.quic.InitialSealer.datagram;
import static dev.netext.wire.quic.InitialSealer.payload;
import static dev.netext.wire.quic.InitialSealer.seal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.wire.quic.CryptoReassembler;
import dev.netext.wire.quic.QuicVersion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the three peekers: random bytes, and mutations (truncation, bit flips, byte replacement,
 * insertion, duplicated slices, extreme length fields) of a corpus of valid inputs — the curl captures, the RFC
 * vectors and synthetic hellos. QUIC is fuzzed twice: mutated ciphertext (must fail authentication or be rejected
 * earlier) and mutated <em>plaintext</em> frames re-sealed with valid keys, which reaches the frame parser, the
 * reassembler and the TLS parser behind the decryption. The contract: no exception, no hang, and each status keeps
 * its promise (NEED_MORE asks for at least a byte, MALFORMED names a problem, COMPLETE yields well-formed results).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeekFuzzTest {
    private static final int ROUNDS = 100_000;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]{1,253}");
    private static final byte[] HELLO = ClientHelloBuilder.unrecord(PeekVectors.load("curl-tls13-clienthello.hex"));
    private static final byte[] DCID = PeekVectors.hex("8394c8f03e515708");

    private final TlsClientHelloPeeker tls = new TlsClientHelloPeeker();
    private final HttpRequestPeeker http = new HttpRequestPeeker();
    private final QuicInitialPeeker quic = new QuicInitialPeeker();
    private final int[] outcomes = new int[PeekStatus.values().length];

    static List<byte[]> tlsCorpus() {
        List<byte[]> c = new ArrayList<>();
        c.add(PeekVectors.load("curl-tls13-clienthello.hex"));
        c.add(PeekVectors.load("curl-tls12-clienthello.hex"));
        c.add(ClientHelloBuilder.records(HELLO, TlsSpec.TLS_1_2, 50));
        c.add(new ClientHelloBuilder().cipherSuites(0x5a5a, 0x1301).extension(0x1a1a, new byte[0]).sni("g.example")
                .supportedVersions(0xaaaa, 0x0304).alpn("h2", "h3").ech(0).record());
        c.add(new ClientHelloBuilder().legacyVersion(TlsSpec.TLS_1_0).sessionIdLength(0).noExtensions().record());
        return c;
    }

    static List<byte[]> httpCorpus() {
        List<byte[]> c = new ArrayList<>();
        c.add(PeekVectors.load("curl-http-get.hex"));
        c.add(PeekVectors.load("curl-http-proxy-get.hex"));
        for (String s : new String[] {
                "CONNECT secure.example:443 HTTP/1.1\r\nHost: secure.example:443\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: [fd00::1]:8080\r\nX: y\r\n\r\n",
                "GET /a HTTP/1.0\nhost: lf.example\n\n",
                "OPTIONS * HTTP/1.1\r\nHost: o.example\r\n\r\n"})
            c.add(s.getBytes(StandardCharsets.ISO_8859_1));
        return c;
    }

    @Test
    void tlsRandomAndMutated() {
        Random rnd = new Random(0x7157);
        byte[] data = new byte[600];
        for (int i = 0; i < ROUNDS; i++) {
            int len = rnd.nextInt(data.length + 1);
            rnd.nextBytes(data);
            if (rnd.nextBoolean()) { // get past the first checks more often
                data[0] = 22;
                data[1] = 3;
                data[2] = (byte) rnd.nextInt(5);
                if (len > 5) data[5] = 1;
            }
            checkTls(tls.peekRecords(ByteBuffer.wrap(data), 0, len));
            checkTls(tls.peekHandshake(ByteBuffer.wrap(data), 5, Math.max(0, len - 5)));
        }
        List<byte[]> corpus = tlsCorpus();
        for (int i = 0; i < ROUNDS; i++) {
            byte[] m = mutate(rnd, corpus.get(rnd.nextInt(corpus.size())), new int[] {3, 6, 7, 43, 76});
            checkTls(tls.peekRecords(ByteBuffer.wrap(m), 0, m.length));
            if (m.length > 5) checkTls(tls.peekHandshake(ByteBuffer.wrap(m), 5, m.length - 5));
        }
        assertThat(outcomes[PeekStatus.COMPLETE.ordinal()]).isPositive();
        assertThat(outcomes[PeekStatus.MALFORMED.ordinal()]).isPositive();
    }

    @Test
    void httpRandomAndMutated() {
        Random rnd = new Random(0x4771);
        byte[] data = new byte[300];
        byte[] alphabet = "GET /HTTP1.\r\n:Hhost[]@ abc0129".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < ROUNDS; i++) {
            int len = rnd.nextInt(data.length + 1);
            for (int j = 0; j < len; j++)
                data[j] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt() : alphabet[rnd.nextInt(alphabet.length)];
            checkHttp(http.peek(ByteBuffer.wrap(data), 0, len));
        }
        List<byte[]> corpus = httpCorpus();
        for (int i = 0; i < ROUNDS; i++) {
            byte[] m = mutate(rnd, corpus.get(rnd.nextInt(corpus.size())), new int[0]);
            checkHttp(http.peek(ByteBuffer.wrap(m), 0, m.length));
        }
        assertThat(outcomes[PeekStatus.COMPLETE.ordinal()]).isPositive();
        assertThat(outcomes[PeekStatus.MALFORMED.ordinal()]).isPositive();
        assertThat(outcomes[PeekStatus.NOT_THIS_PROTOCOL.ordinal()]).isPositive();
    }

    @Test
    void quicMutatedCiphertextAndRandomDatagrams() {
        Random rnd = new Random(0x9001);
        List<byte[]> corpus = List.of(PeekVectors.load("rfc9001-a2-client-initial.hex"),
                PeekVectors.load("rfc9369-a2-client-initial.hex"));
        for (int i = 0; i < 20_000; i++) {
            byte[] m = mutate(rnd, corpus.get(rnd.nextInt(2)), new int[] {5, 14, 15, 16});
            checkQuic(quic.peek(ByteBuffer.wrap(m), 0, m.length));
            quic.clear();
        }
        byte[] data = new byte[1400];
        for (int i = 0; i < 20_000; i++) {
            rnd.nextBytes(data);
            data[0] = (byte) (0xC0 | data[0] & 0x0F);
            data[1] = data[2] = data[3] = 0;
            data[4] = 1;
            data[5] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt() : 8 + rnd.nextInt(13));
            checkQuic(quic.peek(ByteBuffer.wrap(data), 0, 1200 + rnd.nextInt(201)));
            quic.clear();
        }
    }

    @Test
    void quicMutatedPlaintextResealed() {
        Random rnd = new Random(0x9369);
        byte[][] frameSets = {
                payload(1100, crypto(HELLO, 0, HELLO.length)),
                payload(1100, crypto(HELLO, 200, HELLO.length), new byte[] {0x01}, crypto(HELLO, 0, 200)),
                payload(1100, new byte[] {0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, crypto(HELLO, 0, HELLO.length)),
                payload(1100, PeekVectors.load("rfc9001-a2-crypto-frame.hex")),
        };
        CryptoReassembler flow = new CryptoReassembler();
        for (int i = 0; i < 4_000; i++) {
            byte[] frames = mutate(rnd, frameSets[rnd.nextInt(frameSets.length)], new int[] {1, 2, 3});
            if (frames.length < 4) frames = Arrays.copyOf(frames, 4); // room for the header protection sample
            QuicVersion v = rnd.nextBoolean() ? QuicVersion.V1 : QuicVersion.V2;
            byte[] d = datagram(1200, seal(v, DCID, new byte[0], new byte[0], i, 1 + rnd.nextInt(4), frames));
            if (rnd.nextInt(4) != 0) flow.clear(); // sometimes carry state into the next datagram
            checkQuic(quic.peek(ByteBuffer.wrap(d), 0, d.length, flow));
        }
        assertThat(outcomes[PeekStatus.COMPLETE.ordinal()]).isPositive();
        assertThat(outcomes[PeekStatus.MALFORMED.ordinal()]).isPositive();
        assertThat(outcomes[PeekStatus.NEED_MORE.ordinal()]).isPositive();
    }

    /** One to four mutations; {@code lengthFields} are offsets of 16-bit lengths worth setting to extremes. */
    static byte[] mutate(Random rnd, byte[] seed, int[] lengthFields) {
        byte[] m = seed.clone();
        int n = 1 + rnd.nextInt(4);
        for (int k = 0; k < n && m.length > 0; k++) {
            switch (rnd.nextInt(7)) {
                case 0 -> m = Arrays.copyOf(m, rnd.nextInt(m.length + 1));
                case 1 -> m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> m[rnd.nextInt(m.length)] = (byte) rnd.nextInt();
                case 3 -> {
                    int at = rnd.nextInt(m.length + 1);
                    byte[] ins = new byte[1 + rnd.nextInt(8)];
                    rnd.nextBytes(ins);
                    byte[] b = new byte[m.length + ins.length];
                    System.arraycopy(m, 0, b, 0, at);
                    System.arraycopy(ins, 0, b, at, ins.length);
                    System.arraycopy(m, at, b, at + ins.length, m.length - at);
                    m = b;
                }
                case 4 -> {
                    int from = rnd.nextInt(m.length);
                    int len = rnd.nextInt(Math.min(64, m.length - from) + 1);
                    byte[] b = Arrays.copyOf(m, m.length + len);
                    System.arraycopy(m, from, b, m.length, len);
                    m = b;
                }
                case 5 -> {
                    if (lengthFields.length > 0) {
                        int at = lengthFields[rnd.nextInt(lengthFields.length)];
                        if (at + 1 < m.length) {
                            int v = new int[] {0, 1, 0xFF, 0xFFFF, 0x4000, 0x3FFF}[rnd.nextInt(6)];
                            m[at] = (byte) (v >>> 8);
                            m[at + 1] = (byte) v;
                        }
                    }
                }
                default -> {
                    int at = rnd.nextInt(m.length);
                    m[at] = (byte) new int[] {0, 0x0a, 0x0d, 0x20, 0x3a, 0x2e, 0x7f, 0xff, 0x16, 0x01}[rnd.nextInt(10)];
                }
            }
        }
        return m;
    }

    private void count(PeekStatus s, int needed, String problem) {
        assertThat(s).isNotNull();
        outcomes[s.ordinal()]++;
        if (s == PeekStatus.NEED_MORE) assertThat(needed).isPositive();
        if (s == PeekStatus.MALFORMED) assertThat(problem).isNotBlank();
    }

    private void checkTls(PeekStatus s) {
        count(s, tls.needed(), tls.problem());
        if (s != PeekStatus.COMPLETE) return;
        checkHello(tls);
    }

    private static void checkHello(TlsClientHelloPeeker t) {
        if (t.hasServerName()) assertThat(t.serverName()).matches(HOST);
        for (int i = 0; i < t.alpnCount(); i++) assertThat(t.alpn(i)).isNotEmpty();
        assertThat(t.alpnOffered()).isGreaterThanOrEqualTo(t.alpnCount());
        assertThat(t.highestVersion()).isBetween(0, 0xFFFF);
    }

    private void checkHttp(PeekStatus s) {
        count(s, http.needed(), http.problem());
        if (s != PeekStatus.COMPLETE) return;
        assertThat(http.method()).isNotEmpty();
        assertThat(http.minorVersion()).isBetween(0, 9);
        if (http.hasHost()) assertThat(http.host()).hasSizeBetween(1, 253).doesNotContain(" ", "@", "\r", "\n");
        assertThat(http.port()).isBetween(-1, 65_535);
    }

    private void checkQuic(PeekStatus s) {
        count(s, quic.needed(), quic.problem());
        if (s == PeekStatus.COMPLETE) checkHello(quic.clientHello());
    }
}
