package dev.netext.wireguard;

import dev.netext.linux.ffm.ChaCha20Poly1305;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two {@link Aead}s agree byte for byte and open each other's messages, on heap and direct buffers at offsets, with
 * and without authtext, at random lengths 0..65535; a bad tag or a message shorter than a tag is null / -1 from both.
 */
class AeadTest {
    private static final SplittableRandom SEEDS = new SplittableRandom(15_2);
    private final Aead jdk = new JdkAead();
    /** Computes the expected bytes: the JDK refuses to encrypt twice in a row under one key and nonce. */
    private final Aead reference = new JdkAead();
    private Aead openssl;

    @BeforeAll
    static void libcrypto() {
        assumeTrue(ChaCha20Poly1305.available(), () -> "libcrypto.so.3 (libssl3): " + ChaCha20Poly1305.unavailableBecause());
    }

    private Aead openssl() {
        if (openssl == null) openssl = new OpenSslAead();
        return openssl;
    }

    @Test
    void openSslIsTheDefaultWhereItLoads() {
        assumeTrue(System.getProperty(Aead.PROPERTY) == null);
        assertThat(OpenSslAead.unusableBecause()).isNull();
        assertThat(Aead.settledImplementation()).isEqualTo("openssl");
        assertThat(Aead.implementation()).isEqualTo("openssl");
        assertThat(Aead.get()).isInstanceOf(OpenSslAead.class).isSameAs(Aead.get());
    }

    @Test
    void thePropertyPicksEither() {
        assertThat(Aead.Choice.openssl("jdk")).isFalse();
        assertThat(Aead.Choice.openssl("openssl")).isTrue();
        assertThat(Aead.Choice.openssl("bogus")).isTrue();          // unknown: the default, with a warning
    }

    @Test
    void nonceIsZeroBitsThenTheLittleEndianCounter() throws Exception {
        byte[] key = bytes(new SplittableRandom(1), 32), plain = "WireGuard".getBytes();
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"),
                new IvParameterSpec(HexFormat.of().parseHex("000000000807060504030201")));
        byte[] expected = c.doFinal(plain);
        assertThat(openssl().seal(key, 0x0102030405060708L, plain, new byte[0])).isEqualTo(expected);
        assertThat(jdk.seal(key, 0x0102030405060708L, plain, new byte[0])).isEqualTo(expected);
    }

    @Test
    void arraysWithAuthtextBothWays() {
        SplittableRandom random = SEEDS.split();
        for (int i = 0; i < 200; i++) {
            byte[] key = bytes(random, 32), plain = bytes(random, random.nextInt(i < 100 ? 64 : 65536));
            byte[] authtext = bytes(random, random.nextInt(2) * 32);
            long counter = random.nextLong();
            byte[] sealed = openssl().seal(key, counter, plain, authtext);
            assertThat(sealed).isEqualTo(jdk.seal(key, counter, plain, authtext));

            int off = random.nextInt(20);
            byte[] framed = new byte[off + sealed.length + random.nextInt(20)];
            System.arraycopy(sealed, 0, framed, off, sealed.length);
            assertThat(openssl().open(key, counter, framed, off, sealed.length, authtext)).isEqualTo(plain);
            assertThat(jdk.open(key, counter, framed, off, sealed.length, authtext)).isEqualTo(plain);

            framed[off + random.nextInt(sealed.length)] ^= (byte) (1 << random.nextInt(8));
            assertThat(openssl().open(key, counter, framed, off, sealed.length, authtext)).isNull();
            assertThat(jdk.open(key, counter, framed, off, sealed.length, authtext)).isNull();
            int truncated = random.nextInt(Aead.TAG_SIZE);
            assertThat(openssl().open(key, counter, framed, off, truncated, authtext)).isNull();
            assertThat(jdk.open(key, counter, framed, off, truncated, authtext)).isNull();
        }
    }

    @Test
    void buffersHeapAndDirectAtOffsetsSealedByOneOpenedByTheOther() {
        SplittableRandom random = SEEDS.split();
        Aead[][] pairs = {{jdk, openssl()}, {openssl(), jdk}, {openssl(), openssl()}};
        for (int i = 0; i < 600; i++) {
            Aead sealer = pairs[i % 3][0], opener = pairs[i % 3][1];
            Aead.Key key = Aead.key(bytes(random, 32));
            long counter = random.nextLong();
            int size = i < 30 ? i : random.nextInt(65536);
            byte[] plainBytes = bytes(random, size);

            ByteBuffer plain = framed(random, plainBytes);
            ByteBuffer sealed = space(random, size + Aead.TAG_SIZE);
            int start = sealed.position();
            assertThat(sealer.seal(key, counter, plain, sealed)).isEqualTo(size + Aead.TAG_SIZE);
            assertThat(plain.hasRemaining()).isFalse();
            assertThat(sealed.position()).isEqualTo(start + size + Aead.TAG_SIZE);
            byte[] sealedBytes = new byte[size + Aead.TAG_SIZE];
            sealed.get(start, sealedBytes);
            assertThat(sealedBytes).isEqualTo(reference.seal(key.raw, counter, plainBytes, new byte[0]));

            ByteBuffer opened = space(random, size);
            int openedAt = opened.position();
            assertThat(opener.open(key, counter, framed(random, sealedBytes), opened)).isEqualTo(size);
            assertThat(opened.position()).isEqualTo(openedAt + size);
            byte[] openedBytes = new byte[size];
            opened.get(openedAt, openedBytes);
            assertThat(openedBytes).isEqualTo(plainBytes);

            byte[] bad = sealedBytes.clone();
            bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            assertThat(opener.open(key, counter, framed(random, bad), space(random, size))).isEqualTo(-1);
            assertThat(opener.open(key, counter + 1, framed(random, sealedBytes), space(random, size))).isEqualTo(-1);
            byte[] truncated = Arrays.copyOf(sealedBytes, Math.min(sealedBytes.length, random.nextInt(Aead.TAG_SIZE)));
            assertThat(opener.open(key, counter, framed(random, truncated), space(random, size))).isEqualTo(-1);
        }
    }

    @Test
    void oneKeyForARunOfMessagesBothDirectionsAndAfterFailures() {
        SplittableRandom random = SEEDS.split();
        Aead.Key key = Aead.key(bytes(random, 32)), other = Aead.key(bytes(random, 32));
        for (int i = 0; i < 300; i++) {
            int size = random.nextInt(2000);
            byte[] plainBytes = bytes(random, size);
            long counter = i;
            Aead.Key k = random.nextInt(10) == 0 ? other : key;          // now and then another key in between
            ByteBuffer sealed = ByteBuffer.allocateDirect(size + Aead.TAG_SIZE);
            assertThat(openssl().seal(k, counter, ByteBuffer.wrap(plainBytes), sealed)).isEqualTo(size + Aead.TAG_SIZE);
            byte[] sealedBytes = new byte[size + Aead.TAG_SIZE];
            sealed.flip().get(sealedBytes);
            assertThat(sealedBytes).isEqualTo(reference.seal(k.raw, counter, plainBytes, new byte[0]));
            if (random.nextInt(4) == 0) {                                  // a forgery under the same key first
                byte[] bad = sealedBytes.clone();
                bad[random.nextInt(bad.length)] ^= 1;
                assertThat(openssl().open(k, counter, ByteBuffer.wrap(bad), ByteBuffer.allocate(size))).isEqualTo(-1);
            }
            if (random.nextInt(8) == 0) assertThat(openssl().seal(k.raw, 0, plainBytes, new byte[] {1})).hasSize(size + 16);
            ByteBuffer opened = ByteBuffer.allocate(size);
            assertThat(openssl().open(k, counter, ByteBuffer.wrap(sealedBytes), opened)).isEqualTo(size);
            assertThat(opened.array()).isEqualTo(plainBytes);
        }
    }

    /** {@code content} between random margins of a heap or direct buffer, as its remaining bytes. */
    private static ByteBuffer framed(SplittableRandom random, byte[] content) {
        ByteBuffer b = space(random, content.length);
        int at = b.position();
        b.put(content).position(at);
        return b.limit(at + content.length);
    }

    /** A heap or direct buffer with room for {@code size} bytes after a random position, and a random margin after. */
    private static ByteBuffer space(SplittableRandom random, int size) {
        int before = random.nextInt(40), after = random.nextInt(40);
        ByteBuffer b = random.nextBoolean() ? ByteBuffer.allocate(before + size + after)
                : ByteBuffer.allocateDirect(before + size + after);
        return b.position(before).limit(before + size + after);
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
