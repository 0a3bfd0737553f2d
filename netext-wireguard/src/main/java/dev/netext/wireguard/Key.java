package dev.netext.wireguard;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A 32-byte WireGuard key: a Curve25519 private or public key, or a preshared key. Text form is base64 of the 32
 * bytes, as {@code wg genkey}, {@code wg pubkey} and {@code wg genpsk} print it.
 *
 * <p>The array is owned by the key and never handed out; {@link #bytes()} copies. {@link #zero()} erases a secret.
 */
public record Key(byte[] value) {
    public static final int SIZE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    public Key {
        if (value == null || value.length != SIZE) throw new IllegalArgumentException("a WireGuard key is " + SIZE + " bytes");
        value = value.clone();
    }

    /** Parses base64 text, as written in wg configs; throws with a clear message otherwise. */
    public static Key fromBase64(String text) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key is not base64: " + e.getMessage());
        }
        if (raw.length != SIZE) throw new IllegalArgumentException("key decodes to " + raw.length + " bytes, not " + SIZE);
        try {
            return new Key(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    public static Key fromHex(String hex) {
        return new Key(HexFormat.of().parseHex(hex));
    }

    /** {@code wg genkey}: 32 random bytes clamped as a Curve25519 scalar (RFC 7748 section 5). */
    public static Key generatePrivate() {
        byte[] raw = new byte[SIZE];
        RANDOM.nextBytes(raw);
        X25519.clamp(raw);
        try {
            return new Key(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** {@code wg genpsk}: 32 random bytes. */
    public static Key generatePreshared() {
        byte[] raw = new byte[SIZE];
        RANDOM.nextBytes(raw);
        try {
            return new Key(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** {@code wg pubkey}: the public key of this private key. */
    public Key publicKey() {
        return new Key(X25519.publicKey(value));
    }

    /** A copy of the 32 bytes; the caller owns (and zeroes) it. */
    public byte[] bytes() { return value.clone(); }

    /** The bytes without copying, for this package's hot paths; never modify or leak. */
    byte[] raw() { return value; }

    public boolean isZero() {
        int acc = 0;
        for (byte b : value) acc |= b;
        return acc == 0;
    }

    /** Erases the key in place. */
    public void zero() { Arrays.fill(value, (byte) 0); }

    public String toBase64() { return Base64.getEncoder().encodeToString(value); }

    public String toHex() { return HexFormat.of().formatHex(value); }

    @Override
    public byte[] value() { return value.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && MessageDigest.isEqual(value, k.value);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(value); }

    /** Never prints the bytes: a key in a log line is a leaked key. Use {@link #toBase64()} for public keys. */
    @Override
    public String toString() { return "Key[" + SIZE + " bytes]"; }
}
