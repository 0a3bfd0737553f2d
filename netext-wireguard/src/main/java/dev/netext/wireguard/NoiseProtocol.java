package dev.netext.wireguard;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as the whitepaper writes it (section 5.4), step by step.
 *
 * <p>Initiator I, responder R. Each create/consume pair performs the same operations on the same values, so the two
 * ends reach the same chaining key C and hash H; {@link #beginSymmetricSession} then derives the transport keys.
 * Every failure (bad MAC, unknown static key, stale timestamp, wrong state) returns null and leaves the peer's
 * state as it was: an unauthenticated message changes nothing.
 *
 * <p>Thread-safety: each method locks the peer's handshake.
 */
public final class NoiseProtocol {
    public static final String CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
    public static final String IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";

    /** C_i := HASH(CONSTRUCTION). */
    static final byte[] INITIAL_CHAIN_KEY = NoiseHelpers.hash(CONSTRUCTION.getBytes(StandardCharsets.US_ASCII));
    /** H_i := HASH(C_i ‖ IDENTIFIER). */
    static final byte[] INITIAL_HASH = NoiseHelpers.hash(INITIAL_CHAIN_KEY, IDENTIFIER.getBytes(StandardCharsets.US_ASCII));

    private static final byte[] EMPTY = new byte[0];

    private final Key staticPrivate;
    private final Key staticPublic;
    private final Function<Key, Peer> peerByPublicKey;
    private final IndexTable indices;
    private final TimeSource time;
    private final Supplier<byte[]> ephemerals;

    /** {@code staticPublic}: {@code staticPrivate}'s public key, which the device has already computed (an X25519). */
    NoiseProtocol(Key staticPrivate, Key staticPublic, Function<Key, Peer> peerByPublicKey, IndexTable indices,
                  TimeSource time, Supplier<byte[]> ephemerals) {
        this.staticPrivate = staticPrivate;
        this.staticPublic = staticPublic;
        this.peerByPublicKey = peerByPublicKey;
        this.indices = indices;
        this.time = time;
        this.ephemerals = ephemerals;
    }

    Key staticPublic() { return staticPublic; }

    /** DH(Spriv_m, Spub_peer), computed once per peer; null if the peer's key is a low-order point. */
    byte[] precomputeStaticStatic(Key peerPublic) {
        return X25519.sharedSecret(staticPrivate.raw(), peerPublic.raw());
    }

    // ------------------------------------------------------------------ 5.4.2 initiation

    /** The initiation to {@code peer}, without MACs (the peer's {@link CookieGenerator} adds them). */
    byte[] createInitiation(Peer peer) {
        if (peer.staticStatic() == null) return null;
        Handshake hs = peer.handshake();
        synchronized (hs) {
            byte[] msg = new byte[Messages.INITIATION_SIZE];
            byte[] h = INITIAL_HASH.clone();
            byte[] c = INITIAL_CHAIN_KEY.clone();
            byte[] key = null, ss = null;
            try {
                NoiseHelpers.mixHash(h, peer.publicKey().raw());                  // H := HASH(H_i ‖ Spub_r)

                byte[] ephemeral = ephemerals.get();                               // (Epriv_i, Epub_i) := DH-GENERATE()
                byte[] ephemeralPublic = X25519.publicKey(ephemeral);
                System.arraycopy(ephemeralPublic, 0, msg, Messages.INITIATION_EPHEMERAL, Key.SIZE);
                replace(c, NoiseHelpers.kdf1(c, ephemeralPublic));                 // C := KDF1(C, Epub_i)
                NoiseHelpers.mixHash(h, ephemeralPublic);                          // H := HASH(H ‖ msg.ephemeral)

                ss = X25519.sharedSecret(ephemeral, peer.publicKey().raw());      // (C, κ) := KDF2(C, DH(Epriv_i, Spub_r))
                if (ss == null) { NoiseHelpers.zero(ephemeral); return null; }
                key = mixKey2(c, ss);
                byte[] sealedStatic = Aead.get().seal(key, 0, staticPublic.raw(), h);   // msg.static := AEAD(κ, 0, Spub_i, H)
                System.arraycopy(sealedStatic, 0, msg, Messages.INITIATION_STATIC, sealedStatic.length);
                NoiseHelpers.mixHash(h, sealedStatic);                             // H := HASH(H ‖ msg.static)

                NoiseHelpers.zero(key);
                key = mixKey2(c, peer.staticStatic());                             // (C, κ) := KDF2(C, DH(Spriv_i, Spub_r))
                byte[] sealedTime = Aead.get().seal(key, 0, Tai64n.of(time.now()), h);  // msg.timestamp := AEAD(κ, 0, TAI64N(), H)
                System.arraycopy(sealedTime, 0, msg, Messages.INITIATION_TIMESTAMP, sealedTime.length);
                NoiseHelpers.mixHash(h, sealedTime);                               // H := HASH(H ‖ msg.timestamp)

                if (hs.localIndex != 0) indices.delete(hs.localIndex);
                hs.zero();
                hs.localIndex = indices.newIndexForHandshake(peer);
                Messages.putInt(msg, 0, Messages.TYPE_INITIATION);
                Messages.putInt(msg, Messages.INITIATION_SENDER, hs.localIndex);
                System.arraycopy(ephemeral, 0, hs.localEphemeral, 0, Key.SIZE);
                NoiseHelpers.zero(ephemeral);
                System.arraycopy(h, 0, hs.hash, 0, h.length);
                System.arraycopy(c, 0, hs.chainKey, 0, c.length);
                hs.state = Handshake.State.INITIATION_CREATED;
                return msg;
            } finally {
                NoiseHelpers.zero(h, c, key, ss);
            }
        }
    }

    /**
     * Consumes an initiation (MAC1 already checked): returns the peer it authenticates as, with its handshake now
     * INITIATION_CONSUMED, or null (nothing changed) if it does not decrypt, names no configured peer, replays an old
     * timestamp, or comes faster than {@link Constants#HANDSHAKE_INITIATION_RATE}.
     */
    Peer consumeInitiation(byte[] msg) {
        if (msg.length != Messages.INITIATION_SIZE || Messages.getInt(msg, 0) != Messages.TYPE_INITIATION) return null;
        byte[] h = INITIAL_HASH.clone();
        byte[] c = INITIAL_CHAIN_KEY.clone();
        byte[] key = null, ss = null, peerStatic = null, timestamp = null;
        try {
            NoiseHelpers.mixHash(h, staticPublic.raw());                           // H := HASH(H_i ‖ Spub_r)
            byte[] ephemeral = Arrays.copyOfRange(msg, Messages.INITIATION_EPHEMERAL, Messages.INITIATION_STATIC);
            replace(c, NoiseHelpers.kdf1(c, ephemeral));                           // C := KDF1(C, msg.ephemeral)
            NoiseHelpers.mixHash(h, ephemeral);                                    // H := HASH(H ‖ msg.ephemeral)

            ss = X25519.sharedSecret(staticPrivate.raw(), ephemeral);              // (C, κ) := KDF2(C, DH(Spriv_r, msg.ephemeral))
            if (ss == null) return null;
            key = mixKey2(c, ss);
            peerStatic = Aead.get().open(key, 0, msg, Messages.INITIATION_STATIC, Key.SIZE + Aead.TAG_SIZE, h);
            if (peerStatic == null) return null;                                   // Spub_i := AEAD-OPEN(κ, 0, msg.static, H)
            NoiseHelpers.mixHash(h, msg, Messages.INITIATION_STATIC, Key.SIZE + Aead.TAG_SIZE);

            Peer peer = peerByPublicKey.apply(new Key(peerStatic));
            if (peer == null || peer.staticStatic() == null) return null;

            NoiseHelpers.zero(key);
            key = mixKey2(c, peer.staticStatic());                                 // (C, κ) := KDF2(C, DH(Spriv_r, Spub_i))
            timestamp = Aead.get().open(key, 0, msg, Messages.INITIATION_TIMESTAMP, Tai64n.SIZE + Aead.TAG_SIZE, h);
            if (timestamp == null) return null;
            NoiseHelpers.mixHash(h, msg, Messages.INITIATION_TIMESTAMP, Tai64n.SIZE + Aead.TAG_SIZE);

            Handshake hs = peer.handshake();
            synchronized (hs) {
                if (!Tai64n.after(timestamp, hs.lastTimestamp)) return null;       // replayed or older initiation
                long now = time.nanoTime();
                if (hs.lastInitiationConsumedNanos != Long.MIN_VALUE
                        && now - hs.lastInitiationConsumedNanos <= Constants.HANDSHAKE_INITIATION_RATE.toNanos()) {
                    return null;                                                   // flood
                }
                System.arraycopy(h, 0, hs.hash, 0, h.length);
                System.arraycopy(c, 0, hs.chainKey, 0, c.length);
                System.arraycopy(ephemeral, 0, hs.remoteEphemeral, 0, Key.SIZE);
                hs.remoteIndex = Messages.getInt(msg, Messages.INITIATION_SENDER);
                System.arraycopy(timestamp, 0, hs.lastTimestamp, 0, Tai64n.SIZE);
                hs.lastInitiationConsumedNanos = now;
                hs.state = Handshake.State.INITIATION_CONSUMED;
            }
            return peer;
        } finally {
            NoiseHelpers.zero(h, c, key, ss, peerStatic, timestamp);
        }
    }

    // ------------------------------------------------------------------ 5.4.3 response

    /** The response to the initiation {@code peer}'s handshake consumed, without MACs; null in any other state. */
    byte[] createResponse(Peer peer) {
        Handshake hs = peer.handshake();
        synchronized (hs) {
            if (hs.state != Handshake.State.INITIATION_CONSUMED) return null;
            byte[] msg = new byte[Messages.RESPONSE_SIZE];
            byte[] ephemeral = ephemerals.get();                                   // (Epriv_r, Epub_r) := DH-GENERATE()
            byte[] ss1 = null, ss2 = null, tau = null, key = null;
            try {
                byte[] ephemeralPublic = X25519.publicKey(ephemeral);
                ss1 = X25519.sharedSecret(ephemeral, hs.remoteEphemeral);
                ss2 = X25519.sharedSecret(ephemeral, peer.publicKey().raw());
                if (ss1 == null || ss2 == null) return null;

                if (hs.localIndex != 0) indices.delete(hs.localIndex);
                hs.localIndex = indices.newIndexForHandshake(peer);
                Messages.putInt(msg, 0, Messages.TYPE_RESPONSE);
                Messages.putInt(msg, Messages.RESPONSE_SENDER, hs.localIndex);
                Messages.putInt(msg, Messages.RESPONSE_RECEIVER, hs.remoteIndex);
                System.arraycopy(ephemeralPublic, 0, msg, Messages.RESPONSE_EPHEMERAL, Key.SIZE);

                replace(hs.chainKey, NoiseHelpers.kdf1(hs.chainKey, ephemeralPublic));   // C := KDF1(C, Epub_r)
                NoiseHelpers.mixHash(hs.hash, ephemeralPublic);                         // H := HASH(H ‖ msg.ephemeral)
                replace(hs.chainKey, NoiseHelpers.kdf1(hs.chainKey, ss1));              // C := KDF1(C, DH(Epriv_r, Epub_i))
                replace(hs.chainKey, NoiseHelpers.kdf1(hs.chainKey, ss2));              // C := KDF1(C, DH(Epriv_r, Spub_i))
                byte[][] t = NoiseHelpers.kdf3(hs.chainKey, peer.presharedKey().raw()); // (C, τ, κ) := KDF3(C, Q)
                replace(hs.chainKey, t[0]);
                tau = t[1];
                key = t[2];
                NoiseHelpers.mixHash(hs.hash, tau);                                     // H := HASH(H ‖ τ)
                byte[] empty = Aead.get().seal(key, 0, EMPTY, hs.hash);                 // msg.empty := AEAD(κ, 0, ε, H)
                System.arraycopy(empty, 0, msg, Messages.RESPONSE_EMPTY, empty.length);
                NoiseHelpers.mixHash(hs.hash, empty);                                   // H := HASH(H ‖ msg.empty)
                hs.state = Handshake.State.RESPONSE_CREATED;
                return msg;
            } finally {
                NoiseHelpers.zero(ephemeral, ss1, ss2, tau, key);
            }
        }
    }

    /**
     * Consumes a response (MAC1 already checked) to an initiation we sent: the peer, its handshake now
     * RESPONSE_CONSUMED, or null with nothing changed.
     */
    Peer consumeResponse(byte[] msg) {
        if (msg.length != Messages.RESPONSE_SIZE || Messages.getInt(msg, 0) != Messages.TYPE_RESPONSE) return null;
        IndexTable.Entry entry = indices.lookup(Messages.getInt(msg, Messages.RESPONSE_RECEIVER));
        if (entry == null || !entry.handshake()) return null;
        Peer peer = entry.peer();
        Handshake hs = peer.handshake();
        synchronized (hs) {
            if (hs.state != Handshake.State.INITIATION_CREATED) return null;
            byte[] h = hs.hash.clone(), c = hs.chainKey.clone();
            byte[] ss1 = null, ss2 = null, tau = null, key = null;
            try {
                byte[] ephemeral = Arrays.copyOfRange(msg, Messages.RESPONSE_EPHEMERAL, Messages.RESPONSE_EMPTY);
                replace(c, NoiseHelpers.kdf1(c, ephemeral));                           // C := KDF1(C, msg.ephemeral)
                NoiseHelpers.mixHash(h, ephemeral);                                    // H := HASH(H ‖ msg.ephemeral)
                ss1 = X25519.sharedSecret(hs.localEphemeral, ephemeral);               // C := KDF1(C, DH(Epriv_i, Epub_r))
                ss2 = X25519.sharedSecret(staticPrivate.raw(), ephemeral);             // C := KDF1(C, DH(Spriv_i, Epub_r))
                if (ss1 == null || ss2 == null) return null;
                replace(c, NoiseHelpers.kdf1(c, ss1));
                replace(c, NoiseHelpers.kdf1(c, ss2));
                byte[][] t = NoiseHelpers.kdf3(c, peer.presharedKey().raw());          // (C, τ, κ) := KDF3(C, Q)
                replace(c, t[0]);
                tau = t[1];
                key = t[2];
                NoiseHelpers.mixHash(h, tau);                                          // H := HASH(H ‖ τ)
                byte[] opened = Aead.get().open(key, 0, msg, Messages.RESPONSE_EMPTY, Aead.TAG_SIZE, h);
                if (opened == null) return null;                                       // AEAD-OPEN(κ, 0, msg.empty, H)
                NoiseHelpers.mixHash(h, msg, Messages.RESPONSE_EMPTY, Aead.TAG_SIZE);  // H := HASH(H ‖ msg.empty)

                System.arraycopy(h, 0, hs.hash, 0, h.length);
                System.arraycopy(c, 0, hs.chainKey, 0, c.length);
                hs.remoteIndex = Messages.getInt(msg, Messages.RESPONSE_SENDER);
                hs.state = Handshake.State.RESPONSE_CONSUMED;
                return peer;
            } finally {
                NoiseHelpers.zero(h, c, ss1, ss2, tau, key);
            }
        }
    }

    // ------------------------------------------------------------------ 5.4.5 transport keys

    /**
     * Derives the session: (T_send_i = T_recv_r, T_recv_i = T_send_r) := KDF2(C_i = C_r, ε), then erases C, H and
     * the ephemerals and moves the handshake's index to the new key pair. Null if the handshake is not finished.
     */
    Keypair beginSymmetricSession(Peer peer) {
        Handshake hs = peer.handshake();
        synchronized (hs) {
            boolean initiator;
            if (hs.state == Handshake.State.RESPONSE_CONSUMED) initiator = true;
            else if (hs.state == Handshake.State.RESPONSE_CREATED) initiator = false;
            else return null;
            byte[][] t = NoiseHelpers.kdf2(hs.chainKey, EMPTY);
            byte[] send = initiator ? t[0] : t[1];
            byte[] receive = initiator ? t[1] : t[0];
            Keypair keypair = new Keypair(send, receive, initiator, time.nanoTime(), hs.localIndex, hs.remoteIndex);
            indices.swapIndexForKeypair(hs.localIndex, keypair);
            hs.zero();
            return keypair;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** (C, κ) := KDF2(C, input): updates C in place, returns κ (the caller zeroes it). */
    private static byte[] mixKey2(byte[] c, byte[] input) {
        byte[][] t = NoiseHelpers.kdf2(c, input);
        replace(c, t[0]);
        return t[1];
    }

    /** Copies {@code fresh} over {@code target} and zeroes {@code fresh}. */
    private static void replace(byte[] target, byte[] fresh) {
        System.arraycopy(fresh, 0, target, 0, target.length);
        NoiseHelpers.zero(fresh);
    }
}
