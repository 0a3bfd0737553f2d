package dev.netext.wireguard;

import java.util.Arrays;

/**
 * The initiator's half of the cookie mechanism for one peer (whitepaper 5.4.4 and 5.4.7): fills MAC1 of outgoing
 * handshake messages with HASH(LABEL_MAC1 ‖ Spub_peer), remembers that MAC1 so a cookie reply can be authenticated
 * against it, and fills MAC2 with the peer's cookie while it is younger than {@link Constants#COOKIE_REFRESH_TIME}
 * (zeros otherwise).
 *
 * <p>Thread-safe.
 */
public final class CookieGenerator {
    private final byte[] mac1Key;
    private final byte[] encryptionKey;
    private final TimeSource time;
    private final byte[] lastMac1 = new byte[NoiseHelpers.MAC_SIZE];
    private boolean hasLastMac1;
    private final byte[] cookie = new byte[NoiseHelpers.MAC_SIZE];
    private long cookieSetNanos;
    private boolean cookieSet;

    public CookieGenerator(Key peerPublic, TimeSource time) {
        this.mac1Key = NoiseHelpers.hash(CookieChecker.LABEL_MAC1, peerPublic.raw());
        this.encryptionKey = NoiseHelpers.hash(CookieChecker.LABEL_COOKIE, peerPublic.raw());
        this.time = time;
    }

    /** Writes MAC1 and MAC2 into the last 32 bytes of a handshake message. */
    public synchronized void addMacs(byte[] msg) {
        int mac2 = msg.length - NoiseHelpers.MAC_SIZE, mac1 = mac2 - NoiseHelpers.MAC_SIZE;
        NoiseHelpers.mac(mac1Key, msg, 0, mac1, msg, mac1);
        System.arraycopy(msg, mac1, lastMac1, 0, NoiseHelpers.MAC_SIZE);
        hasLastMac1 = true;
        if (cookieSet && time.nanoTime() - cookieSetNanos <= Constants.COOKIE_REFRESH_TIME.toNanos()) {
            NoiseHelpers.mac(cookie, msg, 0, mac2, msg, mac2);
        } else {
            Arrays.fill(msg, mac2, msg.length, (byte) 0);
        }
    }

    /** Takes the cookie from a reply to our last handshake message; false (and no change) if it does not open. */
    public synchronized boolean consumeReply(byte[] reply) {
        if (!hasLastMac1 || reply.length != Messages.COOKIE_REPLY_SIZE) return false;
        byte[] nonce = Arrays.copyOfRange(reply, Messages.COOKIE_NONCE, Messages.COOKIE_COOKIE);
        byte[] sealed = Arrays.copyOfRange(reply, Messages.COOKIE_COOKIE, Messages.COOKIE_REPLY_SIZE);
        byte[] opened = XAead.open(encryptionKey, nonce, sealed, lastMac1);
        if (opened == null) return false;
        System.arraycopy(opened, 0, cookie, 0, cookie.length);
        NoiseHelpers.zero(opened);
        cookieSet = true;
        cookieSetNanos = time.nanoTime();
        return true;
    }

    /** Whether a fresh cookie is held (tests, {@code wg show} diagnostics). */
    public synchronized boolean hasCookie() {
        return cookieSet && time.nanoTime() - cookieSetNanos <= Constants.COOKIE_REFRESH_TIME.toNanos();
    }
}
