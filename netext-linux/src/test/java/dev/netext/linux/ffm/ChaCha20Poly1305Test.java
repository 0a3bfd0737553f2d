package dev.netext.linux.ffm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** libcrypto's ChaCha20-Poly1305 through FFM: RFC 8439, agreement with the JDK, and every length checked first. */
class ChaCha20Poly1305Test {
    @BeforeAll
    static void libcrypto() {
        assumeTrue(ChaCha20Poly1305.available(), () -> "libcrypto.so.3 (libssl3): " + ChaCha20Poly1305.unavailableBecause());
    }

    @Test
    void rfc8439KnownAnswerAndTheJdkAgrees() throws Exception {
        try (ChaCha20Poly1305 c = ChaCha20Poly1305.create()) {
            assertThat(ChaCha20Poly1305KnownAnswer.failure(c)).isNull();
        }
        Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
        jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(ChaCha20Poly1305KnownAnswer.key(), "ChaCha20"),
                new IvParameterSpec(ChaCha20Poly1305KnownAnswer.nonce()));
        jdk.updateAAD(ChaCha20Poly1305KnownAnswer.aad());
        assertThat(jdk.doFinal(ChaCha20Poly1305KnownAnswer.plain())).isEqualTo(ChaCha20Poly1305KnownAnswer.sealed());
        assertThat(ChaCha20Poly1305.version()).startsWith("OpenSSL 3");
    }

    @Test
    void randomLengthsHeapAndNativeAgreeWithTheJdk() throws Exception {
        SplittableRandom random = new SplittableRandom(8439);
        Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
        try (ChaCha20Poly1305 c = ChaCha20Poly1305.create(); Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 300; i++) {
                int size = i < 20 ? i : random.nextInt(65536);
                byte[] key = bytes(random, 32), nonce = bytes(random, 12), aad = bytes(random, random.nextInt(3) * 17);
                byte[] plain = bytes(random, size);
                jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
                jdk.updateAAD(aad);
                byte[] expected = jdk.doFinal(plain);

                MemorySegment out = i % 2 == 0 ? MemorySegment.ofArray(new byte[size + 16]) : arena.allocate(size + 16);
                assertThat(c.seal(seg(key), seg(nonce), seg(aad), seg(plain), out)).isEqualTo(size + 16);
                assertThat(out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(expected);

                byte[] opened = new byte[size];
                assertThat(c.open(seg(key), seg(nonce), seg(aad), seg(expected), seg(opened))).isEqualTo(size);
                assertThat(opened).isEqualTo(plain);
                expected[random.nextInt(expected.length)] ^= (byte) (1 << random.nextInt(8));
                assertThat(c.open(seg(key), seg(nonce), seg(aad), seg(expected), seg(opened))).isEqualTo(-1);
                assertThat(opened).isEqualTo(new byte[size]);                  // no unauthenticated plaintext left
            }
        }
    }

    @Test
    void inPlaceWorksTruncatedIsRefusedAndBadLengthsThrowBeforeTheCall() {
        try (ChaCha20Poly1305 c = ChaCha20Poly1305.create()) {
            MemorySegment key = seg(new byte[32]), nonce = seg(new byte[12]), none = MemorySegment.ofArray(new byte[0]);
            byte[] buf = new byte[100 + 16];
            for (int i = 0; i < 100; i++) buf[i] = (byte) i;
            MemorySegment whole = seg(buf);
            assertThat(c.seal(key, nonce, none, whole.asSlice(0, 100), whole)).isEqualTo(116);
            assertThat(c.open(key, nonce, none, whole, whole.asSlice(0, 100))).isEqualTo(100);
            assertThat(buf[99]).isEqualTo((byte) 99);

            assertThat(c.open(key, nonce, none, whole.asSlice(0, 15), whole)).isEqualTo(-1);
            assertThat(c.open(key, nonce, none, whole.asSlice(0, 16), none)).isEqualTo(-1);  // an empty message's tag
            assertThatThrownBy(() -> c.seal(key, nonce, none, whole.asSlice(0, 100), whole.asSlice(0, 115)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.seal(key, nonce, none, whole.asSlice(0, 50), whole.asSlice(1, 80)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps");
            assertThatThrownBy(() -> c.seal(key.asSlice(1), nonce, none, none, whole))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.open(key, nonce.asSlice(0, 8), none, whole, whole))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.open(key, nonce, none, whole, whole.asReadOnly()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> CompletableFuture.runAsync(() -> c.seal(key, nonce, none, none, whole)).join())
                    .hasCauseInstanceOf(WrongThreadException.class);
        }
    }

    @Test
    void aNullKeyKeepsThePreviousOneAndNeedsOne() throws Exception {
        try (ChaCha20Poly1305 c = ChaCha20Poly1305.create()) {
            MemorySegment nonce = seg(new byte[12]), none = seg(new byte[0]), out = seg(new byte[16 + 100]);
            assertThatThrownBy(() -> c.seal(MemorySegment.NULL, nonce, none, seg(new byte[100]), out))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no previous key");
            byte[] key = new byte[32];
            key[0] = 1;
            assertThat(c.seal(seg(key), seg(new byte[12]), none, seg(new byte[100]), out)).isEqualTo(116);
            byte[] withKey = out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            byte[] nonce2 = new byte[12];
            nonce2[4] = 1;
            assertThat(c.seal(MemorySegment.NULL, seg(nonce2), none, seg(new byte[100]), out)).isEqualTo(116);
            Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
            jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce2));
            assertThat(out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(jdk.doFinal(new byte[100]))
                    .isNotEqualTo(withKey);
            assertThat(c.open(MemorySegment.NULL, seg(nonce2), none, out, seg(new byte[100]))).isEqualTo(100);
        }
    }

    @Test
    void closedIsRefused() {
        ChaCha20Poly1305 c = ChaCha20Poly1305.create();
        c.close();
        MemorySegment b = seg(new byte[32]);
        assertThatThrownBy(() -> c.seal(b, b.asSlice(0, 12), b.asSlice(0, 0), b.asSlice(0, 0), b))
                .isInstanceOf(IllegalStateException.class);
    }

    private static MemorySegment seg(byte[] b) { return MemorySegment.ofArray(b); }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
