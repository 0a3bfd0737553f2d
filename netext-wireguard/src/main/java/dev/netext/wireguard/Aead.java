package dev.netext.wireguard;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * AEAD(key, counter, plain, authtext) of the whitepaper (section 5.4): ChaCha20-Poly1305 (RFC 8439) from the JDK, with
 * a 96-bit nonce of 32 zero bits followed by the 64-bit little-endian counter.
 *
 * <p>One instance belongs to one thread; it keeps its {@link Cipher} and nonce array so that sealing and opening
 * transport packets allocates nothing but what the JDK allocates per {@code init}.
 */
final class Aead {
    static final int TAG_SIZE = 16;
    static final int NONCE_SIZE = 12;

    private static final ThreadLocal<Aead> PER_THREAD = ThreadLocal.withInitial(Aead::new);

    private final Cipher cipher;
    private final byte[] nonce = new byte[NONCE_SIZE];

    private Aead() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no ChaCha20-Poly1305", e);
        }
    }

    /** This thread's instance. */
    static Aead get() { return PER_THREAD.get(); }

    static SecretKeySpec key(byte[] raw) { return new SecretKeySpec(raw, "ChaCha20"); }

    private IvParameterSpec nonce(long counter) {
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (counter >>> (8 * i));
        return new IvParameterSpec(nonce);
    }

    /** Seals {@code plain} into a new array of plain.length + 16 bytes. */
    byte[] seal(byte[] key, long counter, byte[] plain, byte[] authtext) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key(key), nonce(counter));
            cipher.updateAAD(authtext);
            return cipher.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens {@code sealed[off, off+len)}; null if the tag does not verify. */
    byte[] open(byte[] key, long counter, byte[] sealed, int off, int len, byte[] authtext) {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key(key), nonce(counter));
            cipher.updateAAD(authtext);
            return cipher.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Seals the remaining bytes of {@code plain} into {@code out} (no authtext: transport messages have none).
     * Returns the bytes written (plain + 16).
     */
    int seal(SecretKeySpec key, long counter, ByteBuffer plain, ByteBuffer out) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(counter));
            return cipher.doFinal(plain, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens the remaining bytes of {@code sealed} into {@code out}; -1 if the tag does not verify. */
    int open(SecretKeySpec key, long counter, ByteBuffer sealed, ByteBuffer out) {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce(counter));
            return cipher.doFinal(sealed, out);
        } catch (AEADBadTagException e) {
            return -1;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
