package dev.netext.wireguard;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The responder's half of the cookie mechanism (whitepaper 5.3 and 5.4.7): checks MAC1 of every handshake message
 * with HASH(LABEL_MAC1 ‖ Spub_m), checks MAC2 under load against a cookie derived from the sender's address, and
 * seals cookie replies with XChaCha20-Poly1305 under HASH(LABEL_COOKIE ‖ Spub_m), authenticated by the MAC1 of the
 * message being answered. The secret behind cookies changes every {@link Constants#COOKIE_REFRESH_TIME}.
 *
 * <p>Thread-safe.
 */
public final class CookieChecker {
    static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] mac1Key;
    private final byte[] encryptionKey;
    private final TimeSource time;
    private final byte[] secret = new byte[NoiseHelpers.HASH_SIZE];
    private long secretSetNanos;
    private boolean secretSet;

    public CookieChecker(Key localPublic, TimeSource time) {
        this.mac1Key = NoiseHelpers.hash(LABEL_MAC1, localPublic.raw());
        this.encryptionKey = NoiseHelpers.hash(LABEL_COOKIE, localPublic.raw());
        this.time = time;
    }

    /** Whether the message's MAC1 (the 16 bytes before its last 16) is right for our public key. */
    public boolean checkMac1(byte[] msg) {
        int mac2 = msg.length - NoiseHelpers.MAC_SIZE, mac1 = mac2 - NoiseHelpers.MAC_SIZE;
        byte[] expected = new byte[NoiseHelpers.MAC_SIZE];
        NoiseHelpers.mac(mac1Key, msg, 0, mac1, expected, 0);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(msg, mac1, mac2));
    }

    /** Whether MAC2 proves the sender holds a current cookie for {@code source} (address bytes and port). */
    public synchronized boolean checkMac2(byte[] msg, byte[] source) {
        if (!secretFresh()) return false;
        byte[] cookie = cookie(source);
        int mac2 = msg.length - NoiseHelpers.MAC_SIZE;
        byte[] expected = new byte[NoiseHelpers.MAC_SIZE];
        NoiseHelpers.mac(cookie, msg, 0, mac2, expected, 0);
        NoiseHelpers.zero(cookie);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(msg, mac2, msg.length));
    }

    /**
     * A cookie reply (type 3) to {@code msg} for the peer that put {@code receiver} as its sender index, giving
     * {@code source} a cookie: τ = MAC(Rm, Am), sealed with a random 24-byte nonce and MAC1 of {@code msg} as authtext.
     */
    public synchronized byte[] createReply(byte[] msg, int receiver, byte[] source) {
        if (!secretFresh()) {
            RANDOM.nextBytes(secret);
            secretSetNanos = time.nanoTime();
            secretSet = true;
        }
        byte[] cookie = cookie(source);
        int mac2 = msg.length - NoiseHelpers.MAC_SIZE, mac1 = mac2 - NoiseHelpers.MAC_SIZE;
        byte[] reply = new byte[Messages.COOKIE_REPLY_SIZE];
        Messages.putInt(reply, 0, Messages.TYPE_COOKIE_REPLY);
        Messages.putInt(reply, Messages.COOKIE_RECEIVER, receiver);
        byte[] nonce = new byte[XAead.NONCE_SIZE];
        RANDOM.nextBytes(nonce);
        System.arraycopy(nonce, 0, reply, Messages.COOKIE_NONCE, nonce.length);
        byte[] sealed = XAead.seal(encryptionKey, nonce, cookie, Arrays.copyOfRange(msg, mac1, mac2));
        System.arraycopy(sealed, 0, reply, Messages.COOKIE_COOKIE, sealed.length);
        NoiseHelpers.zero(cookie);
        return reply;
    }

    private boolean secretFresh() {
        return secretSet && time.nanoTime() - secretSetNanos <= Constants.COOKIE_REFRESH_TIME.toNanos();
    }

    private byte[] cookie(byte[] source) {
        byte[] cookie = new byte[NoiseHelpers.MAC_SIZE];
        NoiseHelpers.mac(secret, source, 0, source.length, cookie, 0);
        return cookie;
    }

    /** The cookie's "source": address bytes, then the port big-endian (as the kernel implementation hashes it). */
    static byte[] sourceBytes(InetSocketAddress from) {
        byte[] ip = from.getAddress().getAddress();
        byte[] out = new byte[ip.length + 2];
        System.arraycopy(ip, 0, out, 0, ip.length);
        out[ip.length] = (byte) (from.getPort() >>> 8);
        out[ip.length + 1] = (byte) from.getPort();
        return out;
    }
}
