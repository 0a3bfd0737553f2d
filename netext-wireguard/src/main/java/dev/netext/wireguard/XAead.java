package dev.netext.wireguard;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.XChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * XAEAD(key, nonce, plain, authtext) of the whitepaper (section 5.4.7, cookie replies): XChaCha20-Poly1305 with a
 * 24-byte random nonce, from BouncyCastle.
 */
final class XAead {
    private XAead() {}

    static final int NONCE_SIZE = 24;

    static byte[] seal(byte[] key, byte[] nonce, byte[] plain, byte[] authtext) {
        XChaCha20Poly1305 c = new XChaCha20Poly1305();
        c.init(true, new AEADParameters(new KeyParameter(key), Aead.TAG_SIZE * 8, nonce, authtext));
        byte[] out = new byte[c.getOutputSize(plain.length)];
        int n = c.processBytes(plain, 0, plain.length, out, 0);
        try {
            c.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Null if the tag does not verify. */
    static byte[] open(byte[] key, byte[] nonce, byte[] sealed, byte[] authtext) {
        if (sealed.length < Aead.TAG_SIZE) return null;
        XChaCha20Poly1305 c = new XChaCha20Poly1305();
        c.init(false, new AEADParameters(new KeyParameter(key), Aead.TAG_SIZE * 8, nonce, authtext));
        byte[] out = new byte[c.getOutputSize(sealed.length)];
        int n = c.processBytes(sealed, 0, sealed.length, out, 0);
        try {
            c.doFinal(out, n);
            return out;
        } catch (InvalidCipherTextException e) {
            NoiseHelpers.zero(out);
            return null;
        }
    }
}
