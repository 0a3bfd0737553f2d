package dev.netext.wireguard;

import dev.netext.linux.ffm.ChaCha20Poly1305;
import dev.netext.linux.ffm.ChaCha20Poly1305KnownAnswer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link Aead} with OpenSSL's libcrypto ({@link ChaCha20Poly1305}): this thread's cipher context, re-keyed per
 * message with the key bytes and a nonce rewritten in place. Heap arrays and direct buffers go to OpenSSL as they
 * are. The context lives as long as its thread and is freed with it.
 */
final class OpenSslAead extends Aead {
    private static final ValueLayout.OfLong COUNTER = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final MemorySegment NO_AUTHTEXT = MemorySegment.ofArray(new byte[0]);

    private final ChaCha20Poly1305 cipher = ChaCha20Poly1305.create();
    /** 32 zero bits, then the counter; native, this thread's. */
    private final MemorySegment nonce = Arena.ofAuto().allocate(NONCE_SIZE);
    /**
     * The transport key the context holds after the last message that succeeded, or null: a thread seals or opens a
     * run of packets under one key, and a nonce-only re-key skips OpenSSL's key set-up. Only {@link Key}s qualify (they
     * never change but to be zeroed, after which their key pair refuses to seal or open); handshake keys always re-key.
     */
    private Key keyHeld;

    /** Why OpenSSL's AEAD cannot be used here (libcrypto missing, or a wrong known answer), or null if it can. */
    static String unusableBecause() {
        if (!ChaCha20Poly1305.available()) {
            return "libcrypto.so.3 (Debian package libssl3) could not be bound: " + ChaCha20Poly1305.unavailableBecause();
        }
        try (ChaCha20Poly1305 c = ChaCha20Poly1305.create()) {
            String failure = ChaCha20Poly1305KnownAnswer.failure(c);
            return failure == null ? null : ChaCha20Poly1305.version() + " failed the RFC 8439 known answer: " + failure;
        } catch (RuntimeException e) {
            return "its self-test failed: " + e;
        }
    }

    static String version() { return ChaCha20Poly1305.version(); }

    private MemorySegment nonce(long counter) {
        nonce.set(COUNTER, 4, counter);
        return nonce;
    }

    /** NULL (keep the context's key) for the key it holds, else the key's bytes. */
    private MemorySegment keyOf(Key key) {
        return key == keyHeld ? MemorySegment.NULL : key.segment;
    }

    @Override
    byte[] seal(byte[] key, long counter, byte[] plain, byte[] authtext) {
        keyHeld = null;
        byte[] out = new byte[plain.length + TAG_SIZE];
        int n = cipher.seal(MemorySegment.ofArray(key), nonce(counter), MemorySegment.ofArray(authtext),
                MemorySegment.ofArray(plain), MemorySegment.ofArray(out));
        if (n < 0) throw new IllegalStateException("OpenSSL could not seal");
        return out;
    }

    @Override
    byte[] open(byte[] key, long counter, byte[] sealed, int off, int len, byte[] authtext) {
        keyHeld = null;
        if (len < TAG_SIZE) return null;
        byte[] out = new byte[len - TAG_SIZE];
        int n = cipher.open(MemorySegment.ofArray(key), nonce(counter), MemorySegment.ofArray(authtext),
                MemorySegment.ofArray(sealed).asSlice(off, len), MemorySegment.ofArray(out));
        return n < 0 ? null : out;
    }

    @Override
    int seal(Key key, long counter, ByteBuffer plain, ByteBuffer out) {
        int length = plain.remaining();
        if (out.remaining() < length + TAG_SIZE) throw new IllegalStateException("output too short: " + out.remaining());
        int n = cipher.seal(keyOf(key), nonce(counter), NO_AUTHTEXT, MemorySegment.ofBuffer(plain),
                MemorySegment.ofBuffer(out));
        keyHeld = n < 0 ? null : key;
        if (n < 0) throw new IllegalStateException("OpenSSL could not seal");
        plain.position(plain.limit());
        out.position(out.position() + n);
        return n;
    }

    @Override
    int open(Key key, long counter, ByteBuffer sealed, ByteBuffer out) {
        int length = sealed.remaining();
        if (length < TAG_SIZE) return -1;
        if (out.remaining() < length - TAG_SIZE) throw new IllegalStateException("output too short: " + out.remaining());
        int n = cipher.open(keyOf(key), nonce(counter), NO_AUTHTEXT, MemorySegment.ofBuffer(sealed),
                MemorySegment.ofBuffer(out));
        keyHeld = n < 0 ? null : key;
        if (n < 0) return -1;
        sealed.position(sealed.limit());
        out.position(out.position() + n);
        return n;
    }
}
