package dev.netext.wireguard;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * {@link Aead} with the JDK's ChaCha20-Poly1305 {@link Cipher} (intrinsics for both halves): the fallback where
 * libcrypto cannot be used. Its nonce changes only through a full {@code init} per message, which allocates.
 */
final class JdkAead extends Aead {
    private final Cipher cipher;
    private final byte[] nonce = new byte[NONCE_SIZE];

    JdkAead() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no ChaCha20-Poly1305", e);
        }
    }

    private IvParameterSpec nonce(long counter) {
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (counter >>> (8 * i));
        return new IvParameterSpec(nonce);
    }

    @Override
    byte[] seal(byte[] key, long counter, byte[] plain, byte[] authtext) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new Key(key).jdk(), nonce(counter));
            cipher.updateAAD(authtext);
            return cipher.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    byte[] open(byte[] key, long counter, byte[] sealed, int off, int len, byte[] authtext) {
        if (len < TAG_SIZE) return null;
        try {
            cipher.init(Cipher.DECRYPT_MODE, new Key(key).jdk(), nonce(counter));
            cipher.updateAAD(authtext);
            return cipher.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    int seal(Key key, long counter, ByteBuffer plain, ByteBuffer out) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key.jdk(), nonce(counter));
            return cipher.doFinal(plain, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    int open(Key key, long counter, ByteBuffer sealed, ByteBuffer out) {
        if (sealed.remaining() < TAG_SIZE) return -1;
        try {
            cipher.init(Cipher.DECRYPT_MODE, key.jdk(), nonce(counter));
            return cipher.doFinal(sealed, out);
        } catch (AEADBadTagException e) {
            return -1;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
