package dev.netext.wireguard;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A configured peer: its static public key and optional preshared key, its handshake, sessions, cookie state,
 * timers, endpoint (updated from every authenticated packet: roaming, whitepaper 2.1), statistics, and the packets
 * staged while no session can send.
 *
 * <p>Created and removed by {@link Device}; the locks are: {@link #handshake()} for handshake state,
 * {@link Keypairs} for sessions, {@link Timers} for deadlines, and the staging lock for staged packets and
 * ordered sends. A thread may take the staging lock and then the handshake lock, never the other way round.
 */
public final class Peer {
    private final Key publicKey;
    private volatile Key presharedKey = new Key(new byte[Key.SIZE]);
    private final byte[] staticStatic;
    private final Handshake handshake = new Handshake();
    final Keypairs keypairs = new Keypairs();
    private final CookieGenerator cookieGenerator;
    private final Timers timers;
    private volatile InetSocketAddress endpoint;
    private volatile int persistentKeepalive;
    private volatile Instant lastHandshake;
    final AtomicLong rxBytes = new AtomicLong();
    final AtomicLong txBytes = new AtomicLong();
    final Object stagingLock = new Object();
    final ArrayDeque<byte[]> staged = new ArrayDeque<>();

    Peer(Key publicKey, byte[] staticStatic, TimeSource time) {
        this.publicKey = publicKey;
        this.staticStatic = staticStatic;
        this.cookieGenerator = new CookieGenerator(publicKey, time);
        // the timers only draw jitter, which needs no secrecy (wireguard-go uses a fast non-cryptographic source):
        // with traffic both ways every packet sent after one received draws, and the device's SecureRandom was in the
        // sender's profile. Not seeded from the device's generator either: a draw there would shift its index draws.
        this.timers = new Timers(time, new SplittableRandom());
    }

    public Key publicKey() { return publicKey; }

    /** The preshared key Q (all zeros when none is configured, as the whitepaper specifies). */
    public Key presharedKey() { return presharedKey; }

    public void setPresharedKey(Key key) {
        Key old = this.presharedKey;
        this.presharedKey = key == null ? new Key(new byte[Key.SIZE]) : key;
        if (old != null && old != this.presharedKey) old.zero();
    }

    public InetSocketAddress endpoint() { return endpoint; }

    public void setEndpoint(InetSocketAddress endpoint) { this.endpoint = endpoint; }

    public int persistentKeepalive() { return persistentKeepalive; }

    public void setPersistentKeepalive(int seconds) {
        if (seconds < 0 || seconds > 65535) throw new IllegalArgumentException("persistent keepalive " + seconds + " outside 0..65535");
        this.persistentKeepalive = seconds;
        timers.setPersistentKeepalive(seconds);
    }

    /** Wall time of the last completed handshake, or null. */
    public Instant lastHandshake() { return lastHandshake; }

    void setLastHandshake(Instant t) { this.lastHandshake = t; }

    public long rxBytes() { return rxBytes.get(); }

    public long txBytes() { return txBytes.get(); }

    public Timers timers() { return timers; }

    /** The session that sends now, or null. */
    public Keypair currentKeypair() { return keypairs.current(); }

    Handshake handshake() { return handshake; }

    CookieGenerator cookieGenerator() { return cookieGenerator; }

    /** DH(Spriv_local, Spub_peer), or null if the peer's key is a low-order point (such a peer never handshakes). */
    byte[] staticStatic() { return staticStatic; }

    @Override
    public String toString() { return "peer " + publicKey.toBase64(); }
}
