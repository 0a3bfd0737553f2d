package dev.netext.wire.quic;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with SHA-256 (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1), as QUIC derives its Initial secrets
 * (RFC 9001 §5.2). One {@link Mac} is reused; not thread-safe.
 */
final class Hkdf {
    static final int HASH_LEN = 32;
    private static final String HMAC_SHA256 = "HmacSHA256";
    private static final byte[] TLS13_PREFIX = "tls13 ".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;

    Hkdf() {
        try {
            mac = Mac.getInstance(HMAC_SHA256);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + HMAC_SHA256, e); // required of every JDK
        }
    }

    /** {@code HKDF-Extract(salt, IKM)} = HMAC-Hash(salt, IKM), 32 bytes into {@code prk}. */
    void extract(byte[] salt, byte[] ikm, int ikmOff, int ikmLen, byte[] prk) {
        try {
            mac.init(new SecretKeySpec(salt, HMAC_SHA256));
            mac.update(ikm, ikmOff, ikmLen);
            mac.doFinal(prk, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 failed", e);
        }
    }

    /**
     * {@code HKDF-Expand-Label(Secret, Label, "", Length)} = HKDF-Expand(Secret, HkdfLabel, Length) with
     * {@code HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + Label || opaque context<0..255> = ""};
     * {@code length} bytes into {@code out}. Length is at most 255 × 32.
     */
    void expandLabel(byte[] secret, String label, int length, byte[] out) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + TLS13_PREFIX.length + l.length + 1];
        info[0] = (byte) (length >>> 8);
        info[1] = (byte) length;
        info[2] = (byte) (TLS13_PREFIX.length + l.length);
        System.arraycopy(TLS13_PREFIX, 0, info, 3, TLS13_PREFIX.length);
        System.arraycopy(l, 0, info, 3 + TLS13_PREFIX.length, l.length);
        info[info.length - 1] = 0; // empty context
        expand(secret, info, length, out);
    }

    /** RFC 5869 §2.3: {@code T(i) = HMAC(PRK, T(i-1) | info | i)}, output the first {@code length} bytes. */
    private void expand(byte[] prk, byte[] info, int length, byte[] out) {
        try {
            mac.init(new SecretKeySpec(prk, HMAC_SHA256));
            byte[] t = new byte[HASH_LEN];
            int done = 0;
            for (int i = 1; done < length; i++) {
                if (i > 1) mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                mac.doFinal(t, 0);
                int n = Math.min(HASH_LEN, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            Arrays.fill(t, (byte) 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 failed", e);
        }
    }
}
