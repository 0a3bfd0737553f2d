package dev.netext.wireguard;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

import java.util.Arrays;

/**
 * The whitepaper's primitives (section 5.4): HASH is BLAKE2s-256, MAC is keyed BLAKE2s-128, HMAC is HMAC-BLAKE2s-256
 * (RFC 2104 over BLAKE2s with its 64-byte block), and KDF<sub>n</sub> is HKDF over that HMAC: τ0 = HMAC(key, input),
 * τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τi-1 ‖ i).
 */
final class NoiseHelpers {
    private NoiseHelpers() {}

    static final int HASH_SIZE = 32;
    static final int MAC_SIZE = 16;

    /** HASH(a ‖ b ‖ ...). */
    static byte[] hash(byte[]... parts) {
        Blake2sDigest d = new Blake2sDigest(HASH_SIZE * 8);
        for (byte[] p : parts) d.update(p, 0, p.length);
        byte[] out = new byte[HASH_SIZE];
        d.doFinal(out, 0);
        return out;
    }

    /** h := HASH(h ‖ data), in place. */
    static void mixHash(byte[] h, byte[] data, int off, int len) {
        Blake2sDigest d = new Blake2sDigest(HASH_SIZE * 8);
        d.update(h, 0, h.length);
        d.update(data, off, len);
        d.doFinal(h, 0);
    }

    static void mixHash(byte[] h, byte[] data) { mixHash(h, data, 0, data.length); }

    /** MAC(key, data): keyed BLAKE2s with a 16-byte output. */
    static void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff) {
        Blake2sDigest d = new Blake2sDigest(key, MAC_SIZE, null, null);
        d.update(data, off, len);
        d.doFinal(out, outOff);
        d.clearKey();
    }

    static byte[] hmac(byte[] key, byte[]... parts) {
        HMac m = new HMac(new Blake2sDigest(HASH_SIZE * 8));
        m.init(new KeyParameter(key));
        for (byte[] p : parts) m.update(p, 0, p.length);
        byte[] out = new byte[HASH_SIZE];
        m.doFinal(out, 0);
        return out;
    }

    private static final byte[] ONE = {1}, TWO = {2}, THREE = {3};

    /** KDF1(key, input) = τ1. */
    static byte[] kdf1(byte[] key, byte[] input) {
        byte[] t0 = hmac(key, input);
        try {
            return hmac(t0, ONE);
        } finally {
            zero(t0);
        }
    }

    /** KDF2(key, input) = (τ1, τ2). */
    static byte[][] kdf2(byte[] key, byte[] input) {
        byte[] t0 = hmac(key, input);
        try {
            byte[] t1 = hmac(t0, ONE);
            byte[] t2 = hmac(t0, t1, TWO);
            return new byte[][] {t1, t2};
        } finally {
            zero(t0);
        }
    }

    /** KDF3(key, input) = (τ1, τ2, τ3). */
    static byte[][] kdf3(byte[] key, byte[] input) {
        byte[] t0 = hmac(key, input);
        try {
            byte[] t1 = hmac(t0, ONE);
            byte[] t2 = hmac(t0, t1, TWO);
            byte[] t3 = hmac(t0, t2, THREE);
            return new byte[][] {t1, t2, t3};
        } finally {
            zero(t0);
        }
    }

    static void zero(byte[] b) {
        if (b != null) Arrays.fill(b, (byte) 0);
    }

    static void zero(byte[]... arrays) {
        for (byte[] b : arrays) zero(b);
    }
}
