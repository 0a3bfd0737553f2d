package dev.netext.linux.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * ChaCha20-Poly1305 (RFC 8439) from OpenSSL's libcrypto: one EVP_CIPHER_CTX, set to the cipher once, re-keyed per
 * message with only the key and nonce (EVP_CipherInit_ex with a null cipher: no fetch, no allocation). Segments may
 * be heap or native (direct buffers); every length is checked before a downcall, so a wrong size is an
 * {@link IllegalArgumentException}, never a native write out of bounds. A tag that does not verify is -1.
 *
 * <p>One thread uses an instance (the context it wraps is not thread-safe; another thread gets
 * {@link WrongThreadException}). {@link #close} frees the context; one that is never closed is freed once unreachable,
 * so a per-thread instance lives for its thread's life and goes with it.
 */
public final class ChaCha20Poly1305 implements AutoCloseable {
    public static final int KEY_SIZE = 32, NONCE_SIZE = 12, TAG_SIZE = 16;
    /** The largest plaintext: EVP lengths are ints, and the sealed form must be one too. */
    public static final int MAX_PLAIN_SIZE = Integer.MAX_VALUE - TAG_SIZE;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final int ENCRYPT = 1, DECRYPT = 0;

    private final MemorySegment ctx;
    private final Cleaner.Cleanable freeContext;
    private final Thread owner = Thread.currentThread();
    /** EVP's int* output length, and 16 bytes Final may write (a stream cipher writes none). */
    private final MemorySegment outLength, finalOut;
    private boolean closed;
    /** Whether a key was set: only then may a message keep the previous one. */
    private boolean keyed;

    private ChaCha20Poly1305(MemorySegment ctx) {
        this.ctx = ctx;
        this.freeContext = CLEANER.register(this, new FreeContext(ctx));
        MemorySegment scratch = Arena.ofAuto().allocate(32, 8);
        this.outLength = scratch.asSlice(0, 4);
        this.finalOut = scratch.asSlice(16, 16);
    }

    /** Whether libcrypto was bound and has the cipher; else {@link #unavailableBecause()} says why. */
    public static boolean available() { return LibCrypto.failure() == null; }

    /** Why libcrypto is unavailable, or null. */
    public static Throwable unavailableBecause() { return LibCrypto.failure(); }

    /** OpenSSL's version line, or null when unavailable. */
    public static String version() { return LibCrypto.VERSION; }

    /** A new context for the calling thread; {@link UnsupportedOperationException} when libcrypto is unavailable. */
    public static ChaCha20Poly1305 create() {
        if (!available()) throw new UnsupportedOperationException(LibCrypto.SONAME + " is unavailable", LibCrypto.failure());
        MemorySegment ctx;
        try {
            ctx = (MemorySegment) LibCrypto.CIPHER_CTX_NEW.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
        if (ctx.equals(MemorySegment.NULL)) throw new OutOfMemoryError("EVP_CIPHER_CTX_new");
        ChaCha20Poly1305 c = new ChaCha20Poly1305(ctx);
        if (c.init(LibCrypto.CHACHA20_POLY1305, MemorySegment.NULL, MemorySegment.NULL, ENCRYPT) != 1) {
            c.close();
            throw new IllegalStateException("EVP_CipherInit_ex refused ChaCha20-Poly1305");
        }
        return c;
    }

    /**
     * Seals {@code plain} with {@code aad} into {@code out}: ciphertext, then the tag. Returns plain's size + 16, or
     * -1 if OpenSSL failed. {@code out} may start where {@code plain} does, but must not overlap it otherwise.
     * {@code key} is 32 bytes, or {@link MemorySegment#NULL} to keep the previous message's key (a re-key costs about
     * 50 ns more than a new nonce alone).
     */
    public int seal(MemorySegment key, MemorySegment nonce, MemorySegment aad, MemorySegment plain, MemorySegment out) {
        checkUsable();
        checkKeyAndNonce(key, nonce);
        int n = intSize(plain, MAX_PLAIN_SIZE, "plaintext");
        int aadSize = intSize(aad, Integer.MAX_VALUE, "aad");
        checkOutput(out, (long) n + TAG_SIZE, plain);
        if (init(MemorySegment.NULL, key, nonce, ENCRYPT) != 1
                || aadSize > 0 && update(MemorySegment.NULL, aad, aadSize) < 0
                || n > 0 && update(out, plain, n) != n
                || finish() != 1
                || ctrl(LibCrypto.EVP_CTRL_AEAD_GET_TAG, out.asSlice(n, TAG_SIZE)) != 1) {
            clearErrors();
            return -1;
        }
        return n + TAG_SIZE;
    }

    /**
     * Opens {@code sealed} (ciphertext, then the tag) with {@code aad} into {@code out}. Returns the plaintext's size,
     * or -1 if the tag does not verify or {@code sealed} is shorter than a tag; then {@code out}'s first bytes, which
     * OpenSSL decrypts before it checks the tag, are zeroed. Overlap as for {@link #seal}.
     */
    public int open(MemorySegment key, MemorySegment nonce, MemorySegment aad, MemorySegment sealed, MemorySegment out) {
        checkUsable();
        checkKeyAndNonce(key, nonce);
        long total = sealed.byteSize();
        if (total < TAG_SIZE) return -1;
        int n = intSize(sealed.asSlice(0, total - TAG_SIZE), MAX_PLAIN_SIZE, "ciphertext");
        int aadSize = intSize(aad, Integer.MAX_VALUE, "aad");
        MemorySegment ciphertext = sealed.asSlice(0, n);
        checkOutput(out, n, ciphertext);
        if (init(MemorySegment.NULL, key, nonce, DECRYPT) != 1
                || ctrl(LibCrypto.EVP_CTRL_AEAD_SET_TAG, sealed.asSlice(n, TAG_SIZE)) != 1
                || aadSize > 0 && update(MemorySegment.NULL, aad, aadSize) < 0
                || n > 0 && update(out, ciphertext, n) != n
                || finish() != 1) {
            out.asSlice(0, n).fill((byte) 0);
            clearErrors();
            return -1;
        }
        return n;
    }

    /** Frees the context now (by its owner; further use is an {@link IllegalStateException}). */
    @Override
    public void close() {
        if (Thread.currentThread() != owner) throw new WrongThreadException("not this context's thread");
        closed = true;
        freeContext.clean();
    }

    private void checkUsable() {
        if (Thread.currentThread() != owner) throw new WrongThreadException("not this context's thread");
        if (closed) throw new IllegalStateException("closed");
    }

    private void checkKeyAndNonce(MemorySegment key, MemorySegment nonce) {
        if (key.equals(MemorySegment.NULL)) {
            if (!keyed) throw new IllegalArgumentException("no previous key to keep");
        } else if (key.byteSize() != KEY_SIZE) {
            throw new IllegalArgumentException("key of " + key.byteSize() + " bytes");
        }
        if (nonce.byteSize() != NONCE_SIZE) throw new IllegalArgumentException("nonce of " + nonce.byteSize() + " bytes");
    }

    private static int intSize(MemorySegment s, int max, String what) {
        if (s.byteSize() > max) throw new IllegalArgumentException(what + " of " + s.byteSize() + " bytes");
        return (int) s.byteSize();
    }

    /** {@code out} holds {@code needed} writable bytes and starts where {@code in} does or lies apart from it (OpenSSL's
     * rule); overlapping segments share a base, so their addresses (for heap ones, offsets) compare. */
    private static void checkOutput(MemorySegment out, long needed, MemorySegment in) {
        if (out.isReadOnly()) throw new IllegalArgumentException("read-only output");
        if (out.byteSize() < needed) throw new IllegalArgumentException("output of " + out.byteSize() + " bytes, " + needed + " needed");
        if (in.byteSize() > 0 && out.asOverlappingSlice(in).isPresent() && in.address() != out.address()) {
            throw new IllegalArgumentException("output partially overlaps input");
        }
    }

    private int init(MemorySegment cipher, MemorySegment key, MemorySegment nonce, int encrypt) {
        try {
            int ok = (int) LibCrypto.CIPHER_INIT.invokeExact(ctx, cipher, MemorySegment.NULL, key, nonce, encrypt);
            if (ok == 1 && !key.equals(MemorySegment.NULL)) keyed = true;
            return ok;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** EVP_CipherUpdate; the bytes it output (for aad, with a null output, whatever it says), or -1 if it failed. */
    private int update(MemorySegment out, MemorySegment in, int size) {
        try {
            int ok = (int) LibCrypto.CIPHER_UPDATE.invokeExact(ctx, out, outLength, in, size);
            return ok == 1 ? outLength.get(JAVA_INT, 0) : -1;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** EVP_CipherFinal_ex into our own scratch (it computes or checks the tag); 1 if it succeeded and wrote nothing. */
    private int finish() {
        try {
            int ok = (int) LibCrypto.CIPHER_FINAL.invokeExact(ctx, finalOut, outLength);
            return ok == 1 && outLength.get(JAVA_INT, 0) == 0 ? 1 : 0;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** EVP_CIPHER_CTX_ctrl with a 16-byte tag argument. */
    private int ctrl(int type, MemorySegment tag) {
        try {
            return (int) LibCrypto.CIPHER_CTX_CTRL.invokeExact(ctx, type, TAG_SIZE, tag);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** A failure may leave entries in the thread's OpenSSL error queue; nobody reads them. */
    private static void clearErrors() {
        try {
            LibCrypto.ERR_CLEAR_ERROR.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** Frees the context; holds only its address, so that the instance can become unreachable. */
    private record FreeContext(MemorySegment ctx) implements Runnable {
        @Override
        public void run() {
            try {
                LibCrypto.CIPHER_CTX_FREE.invokeExact(ctx);
            } catch (Throwable t) {
                throw Downcalls.rethrow(t);
            }
        }
    }
}
