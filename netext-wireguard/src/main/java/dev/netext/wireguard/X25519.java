package dev.netext.wireguard;

import javax.crypto.KeyAgreement;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;

/**
 * Curve25519 Diffie-Hellman (RFC 7748) through the JDK's {@code X25519} key agreement. Keys are the raw 32-byte
 * little-endian strings WireGuard puts on the wire. The JDK refuses a shared secret of all zeros (a low-order
 * point), which is exactly the check the whitepaper (section 5.4.2, footnote on DH) asks for.
 */
final class X25519 {
    private X25519() {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] BASE_POINT = new byte[Key.SIZE];
    static { BASE_POINT[0] = 9; }

    private static final ThreadLocal<KeyFactory> FACTORY = ThreadLocal.withInitial(() -> {
        try { return KeyFactory.getInstance("X25519"); } catch (GeneralSecurityException e) { throw new IllegalStateException(e); }
    });
    private static final ThreadLocal<KeyAgreement> AGREEMENT = ThreadLocal.withInitial(() -> {
        try { return KeyAgreement.getInstance("X25519"); } catch (GeneralSecurityException e) { throw new IllegalStateException(e); }
    });

    /** Clamps a scalar in place (RFC 7748 section 5), as {@code wg genkey} stores it. */
    static void clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
    }

    /** A fresh clamped private key; the caller zeroes it. */
    static byte[] newPrivateKey() {
        byte[] k = new byte[Key.SIZE];
        RANDOM.nextBytes(k);
        clamp(k);
        return k;
    }

    static byte[] publicKey(byte[] privateKey) {
        byte[] out = sharedSecret(privateKey, BASE_POINT);
        if (out == null) throw new IllegalArgumentException("invalid private key");
        return out;
    }

    /** DH(private, public), or null if the result is the all-zero point (a low-order public key). */
    static byte[] sharedSecret(byte[] privateKey, byte[] publicKey) {
        try {
            KeyFactory kf = FACTORY.get();
            PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey));
            PublicKey pub = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, toU(publicKey)));
            KeyAgreement ka = AGREEMENT.get();
            ka.init(priv);
            ka.doPhase(pub, true);
            byte[] secret = ka.generateSecret();
            int acc = 0;
            for (byte b : secret) acc |= b;
            return acc == 0 ? null : secret;
        } catch (GeneralSecurityException e) {
            return null;    // JDK: "Point has small order" and friends
        }
    }

    /** The u-coordinate from its little-endian encoding; the top bit is ignored (RFC 7748 section 5). */
    private static BigInteger toU(byte[] littleEndian) {
        byte[] be = new byte[Key.SIZE];
        for (int i = 0; i < Key.SIZE; i++) be[i] = littleEndian[Key.SIZE - 1 - i];
        be[0] &= 127;
        BigInteger u = new BigInteger(1, be);
        Arrays.fill(be, (byte) 0);
        return u;
    }
}
