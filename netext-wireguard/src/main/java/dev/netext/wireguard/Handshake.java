package dev.netext.wireguard;

/**
 * One peer's handshake in progress (the state of whitepaper 5.4.2-5.4.4 between messages): chaining key, hash, our
 * ephemeral, the peer's ephemeral and index, and the greatest TAI64N timestamp seen from the peer (replay protection
 * of initiations survives {@link #zero()}).
 *
 * <p>Guarded by the owning {@link Peer}'s handshake lock.
 */
final class Handshake {
    enum State { ZEROED, INITIATION_CREATED, INITIATION_CONSUMED, RESPONSE_CREATED, RESPONSE_CONSUMED }

    State state = State.ZEROED;
    final byte[] hash = new byte[NoiseHelpers.HASH_SIZE];
    final byte[] chainKey = new byte[NoiseHelpers.HASH_SIZE];
    final byte[] localEphemeral = new byte[Key.SIZE];
    final byte[] remoteEphemeral = new byte[Key.SIZE];
    int localIndex;
    int remoteIndex;
    /** Greatest timestamp accepted from this peer. */
    final byte[] lastTimestamp = new byte[Tai64n.SIZE];
    /** When the last initiation was consumed (flood limit), or Long.MIN_VALUE. */
    long lastInitiationConsumedNanos = Long.MIN_VALUE;
    /** When we last sent an initiation (rate limit), or Long.MIN_VALUE. */
    long lastSentInitiationNanos = Long.MIN_VALUE;

    /** Erases the session secrets; keeps the timestamp and rate-limit clocks. */
    void zero() {
        NoiseHelpers.zero(hash, chainKey, localEphemeral, remoteEphemeral);
        localIndex = 0;
        remoteIndex = 0;
        state = State.ZEROED;
    }
}
