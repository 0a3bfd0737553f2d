package dev.netext.wireguard;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One peer's timers (whitepaper 6.2-6.5), as deadlines on the monotonic clock rather than threads: the device calls
 * {@link #fire} when {@link #nextDeadline} passes, and the {@code timers*} hooks below whenever the event they name
 * happens. Named after wireguard-go's timers.go so the two can be read side by side.
 *
 * <ul>
 *   <li>retransmitHandshake: REKEY_TIMEOUT + jitter after an initiation, until MAX_TIMER_HANDSHAKES attempts, then
 *       give up and schedule zeroing.</li>
 *   <li>sendKeepalive: KEEPALIVE_TIMEOUT after receiving data we did not answer (passive keepalive).</li>
 *   <li>newHandshake: KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after sending data with nothing received back.</li>
 *   <li>zeroKeyMaterial: 3 × REJECT_AFTER_TIME after the last session was derived: erase everything.</li>
 *   <li>persistentKeepalive: the configured interval after any authenticated packet in either direction.</li>
 * </ul>
 *
 * <p>Guarded by the owning peer's timer lock.
 */
public final class Timers {
    /** What the timers make the peer do. */
    public interface Actions {
        /** Send an initiation; {@code retry} is false for a fresh handshake (attempts reset). */
        void sendHandshakeInitiation(boolean retry);
        /** Send a keepalive (or staged packets). */
        void sendKeepalive();
        /** Erase all sessions and the handshake. */
        void zeroKeyMaterial();
        /** Handshake attempts exhausted: drop staged packets. */
        void handshakeGaveUp();
    }

    enum Kind { RETRANSMIT_HANDSHAKE, SEND_KEEPALIVE, NEW_HANDSHAKE, ZERO_KEY_MATERIAL, PERSISTENT_KEEPALIVE }

    private static final long IDLE = Long.MAX_VALUE;
    private static final long REKEY_TIMEOUT = Constants.REKEY_TIMEOUT.toNanos();
    private static final long KEEPALIVE_TIMEOUT = Constants.KEEPALIVE_TIMEOUT.toNanos();

    private final long[] deadlines = new long[Kind.values().length];
    private final TimeSource time;
    private final RandomGenerator random;
    private int handshakeAttempts;
    private boolean needAnotherKeepalive;
    boolean sentLastMinuteHandshake;
    private long persistentKeepaliveNanos;
    private boolean enabled = true;

    /** {@code random} only draws jitter, under this object's lock: it need be neither secure nor thread-safe. */
    public Timers(TimeSource time, RandomGenerator random) {
        this.time = time;
        this.random = random;
        Arrays.fill(deadlines, IDLE);
    }

    public synchronized void setPersistentKeepalive(int seconds) {
        persistentKeepaliveNanos = seconds * 1_000_000_000L;
        if (seconds == 0) deadlines[Kind.PERSISTENT_KEEPALIVE.ordinal()] = IDLE;
    }

    public synchronized int handshakeAttempts() { return handshakeAttempts; }

    synchronized boolean pending(Kind k) { return deadlines[k.ordinal()] != IDLE; }

    /** The earliest deadline, or Long.MAX_VALUE if nothing is pending. */
    public synchronized long nextDeadline() {
        long min = IDLE;
        for (long d : deadlines) min = Math.min(min, d);
        return min;
    }

    /** Stops every timer (peer removed or device down). */
    public synchronized void stop() {
        enabled = false;
        Arrays.fill(deadlines, IDLE);
    }

    private long jitter() {
        return random.nextLong(Constants.REKEY_TIMEOUT_JITTER_MAX_MS + 1) * 1_000_000L;
    }

    private void mod(Kind k, long delay) {
        if (enabled) deadlines[k.ordinal()] = time.nanoTime() + delay;
    }

    private void del(Kind k) { deadlines[k.ordinal()] = IDLE; }

    // ------------------------------------------------------------------ hooks

    /** Should be called after an authenticated data packet is sent. */
    public synchronized void dataSent() {
        if (!pending(Kind.NEW_HANDSHAKE)) mod(Kind.NEW_HANDSHAKE, KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter());
    }

    /** Should be called after an authenticated data packet is received. */
    public synchronized void dataReceived() {
        if (!pending(Kind.SEND_KEEPALIVE)) mod(Kind.SEND_KEEPALIVE, KEEPALIVE_TIMEOUT);
        else needAnotherKeepalive = true;
    }

    /** Should be called after any type of authenticated packet is sent: keepalive, data, or handshake. */
    public synchronized void anyAuthenticatedPacketSent() { del(Kind.SEND_KEEPALIVE); }

    /** Should be called after any type of authenticated packet is received: keepalive, data, or handshake. */
    public synchronized void anyAuthenticatedPacketReceived() { del(Kind.NEW_HANDSHAKE); }

    /** Should be called after a handshake initiation message is sent. */
    public synchronized void handshakeInitiated() { mod(Kind.RETRANSMIT_HANDSHAKE, REKEY_TIMEOUT + jitter()); }

    /** Should be called after a handshake response is consumed, or after the responder's session is confirmed. */
    public synchronized void handshakeComplete() {
        del(Kind.RETRANSMIT_HANDSHAKE);
        handshakeAttempts = 0;
        sentLastMinuteHandshake = false;
    }

    /** Should be called after a session key is derived (either side). */
    public synchronized void sessionDerived() {
        mod(Kind.ZERO_KEY_MATERIAL, Constants.ZERO_KEY_MATERIAL_AFTER.toNanos());
    }

    /** Should be called before a packet of any kind is sent or after one is received, authenticated. */
    public synchronized void anyAuthenticatedPacketTraversal() {
        if (persistentKeepaliveNanos > 0) mod(Kind.PERSISTENT_KEEPALIVE, persistentKeepaliveNanos);
    }

    /** Called by the peer when it starts a new (not retried) handshake. */
    synchronized void resetAttempts() { handshakeAttempts = 0; }

    // ------------------------------------------------------------------ expiry

    /** Runs the callbacks of every timer whose deadline has passed, outside this object's lock. */
    public void fire(Actions actions) {
        long now = time.nanoTime();
        boolean retransmit = false, retransmitGaveUp = false, keepalive = false, newHandshake = false,
                zero = false, persistent = false;
        synchronized (this) {
            if (expired(Kind.RETRANSMIT_HANDSHAKE, now)) {
                if (handshakeAttempts > Constants.MAX_TIMER_HANDSHAKES) {
                    retransmitGaveUp = true;
                    if (!pending(Kind.ZERO_KEY_MATERIAL)) mod(Kind.ZERO_KEY_MATERIAL, Constants.ZERO_KEY_MATERIAL_AFTER.toNanos());
                } else {
                    handshakeAttempts++;
                    retransmit = true;
                }
            }
            if (expired(Kind.SEND_KEEPALIVE, now)) {
                keepalive = true;
                if (needAnotherKeepalive) {
                    needAnotherKeepalive = false;
                    mod(Kind.SEND_KEEPALIVE, KEEPALIVE_TIMEOUT);
                }
            }
            if (expired(Kind.NEW_HANDSHAKE, now)) newHandshake = true;
            if (expired(Kind.ZERO_KEY_MATERIAL, now)) zero = true;
            if (expired(Kind.PERSISTENT_KEEPALIVE, now) && persistentKeepaliveNanos > 0) persistent = true;
        }
        if (retransmitGaveUp) actions.handshakeGaveUp();
        if (retransmit) actions.sendHandshakeInitiation(true);
        if (keepalive || persistent) actions.sendKeepalive();
        if (newHandshake) actions.sendHandshakeInitiation(false);
        if (zero) actions.zeroKeyMaterial();
    }

    private boolean expired(Kind k, long now) {
        int i = k.ordinal();
        if (deadlines[i] == IDLE || deadlines[i] - now > 0) return false;
        deadlines[i] = IDLE;
        return true;
    }
}
