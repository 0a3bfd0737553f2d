package dev.netext.wireguard;

import java.time.Duration;

/**
 * WireGuard's constants. The first half is the protocol's, named as in the whitepaper (section 6.4, "Timers &amp;
 * Stateless UX", and section 5.4, "Messages"); the second half is this implementation's own choices. Derived sizes
 * are written as expressions so that a reader can check them against the message layouts in {@link Messages}.
 */
public final class Constants {
    private Constants() {}

    // ------------------------------------------------------------------ specification (whitepaper 6.4)

    /** After this many messages under one key pair the initiator starts a new handshake. */
    public static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /**
     * A key pair never sends or accepts a counter at or above this: 2^64 - 2^13 - 1, held in a long as an unsigned
     * value (compare with {@link Long#compareUnsigned}). The 2^13 margin keeps it clear of the replay window.
     */
    public static final long REJECT_AFTER_MESSAGES = -(1L << 13) - 1;
    /** After this age the initiator of a session starts a new handshake on its next send. */
    public static final Duration REKEY_AFTER_TIME = Duration.ofSeconds(120);
    /** How long a peer keeps retrying a handshake before it gives up and drops queued packets. */
    public static final Duration REKEY_ATTEMPT_TIME = Duration.ofSeconds(90);
    /** Time between retransmitted initiations (plus jitter). */
    public static final Duration REKEY_TIMEOUT = Duration.ofSeconds(5);
    /** Retransmissions before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
    public static final int MAX_TIMER_HANDSHAKES = (int) (REKEY_ATTEMPT_TIME.toSeconds() / REKEY_TIMEOUT.toSeconds());
    /** Jitter added to REKEY_TIMEOUT so that peers do not retransmit in lockstep: 0 to this many milliseconds. */
    public static final int REKEY_TIMEOUT_JITTER_MAX_MS = 334;
    /** After this age a key pair is neither used to send nor accepted on receive. */
    public static final Duration REJECT_AFTER_TIME = Duration.ofSeconds(180);
    /** A peer that received data and has nothing to send answers with a keepalive after this. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);
    /** Cookie secrets and received cookies expire after this. */
    public static final Duration COOKIE_REFRESH_TIME = Duration.ofSeconds(120);
    /** At most one initiation per peer is consumed per this interval (flood protection). */
    public static final Duration HANDSHAKE_INITIATION_RATE = Duration.ofMillis(1000 / 50);
    /** Transport plaintext is zero-padded to a multiple of this (whitepaper 5.4.6). */
    public static final int PADDING_MULTIPLE = 16;

    // ------------------------------------------------------------------ implementation choices

    /** The largest UDP payload: a transport message is at most this long. */
    public static final int MAX_SEGMENT_SIZE = (1 << 16) - 1;
    /** The smallest transport message: a keepalive (header and tag, no content). */
    public static final int MIN_MESSAGE_SIZE = Messages.KEEPALIVE_SIZE;
    /** The largest transport message. */
    public static final int MAX_MESSAGE_SIZE = MAX_SEGMENT_SIZE;
    /** The largest transport content (padded IP packet). */
    public static final int MAX_CONTENT_SIZE = MAX_SEGMENT_SIZE - Messages.TRANSPORT_SIZE;
    /** How long the device stays "under load" (answers initiations without a valid MAC2 with cookies) once seen. */
    public static final Duration UNDER_LOAD_AFTER_TIME = Duration.ofSeconds(1);
    /** Handshake messages waiting at once above which the device is under load. */
    public static final int UNDER_LOAD_QUEUE_DEPTH = 128;
    /** Peers one device accepts. */
    public static final int MAX_PEERS = 1 << 16;
    /**
     * Sessions kept alive until zeroed: all key material is erased this long after the last handshake. (Multiplied in
     * whole seconds: {@code Duration.multipliedBy} computes through BigDecimal, whose class initialiser alone took 16 ms
     * of {@code wg up}'s start.)
     */
    public static final Duration ZERO_KEY_MATERIAL_AFTER = Duration.ofSeconds(3 * REJECT_AFTER_TIME.toSeconds());
    /** Packets queued per peer while a handshake is pending (wireguard-go's QueueStagedSize). */
    public static final int MAX_STAGED_PACKETS = 128;
}
