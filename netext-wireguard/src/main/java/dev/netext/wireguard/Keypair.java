package dev.netext.wireguard;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One session's transport keys (whitepaper 5.4.5): the send and receive keys derived from the handshake's final
 * chaining key, the next send counter, the receive replay window, and the indices both sides use for it.
 *
 * <p>Sealing takes a counter atomically, so several threads may encrypt under one key pair; the sender keeps them in
 * order. Opening is safe from several threads too, but the replay check is serialised on the filter.
 */
public final class Keypair {
    private final byte[] sendKeyBytes;
    private final byte[] receiveKeyBytes;
    private final Aead.Key sendKey;
    private final Aead.Key receiveKey;
    private final AtomicLong sendNonce = new AtomicLong();
    private final ReplayFilter replayFilter = new ReplayFilter();
    private final boolean initiator;
    private final long createdNanos;
    private final int localIndex;
    private final int remoteIndex;
    private volatile boolean zeroed;

    Keypair(byte[] sendKey, byte[] receiveKey, boolean initiator, long createdNanos, int localIndex, int remoteIndex) {
        this.sendKeyBytes = sendKey;
        this.receiveKeyBytes = receiveKey;
        this.sendKey = Aead.key(sendKey);
        this.receiveKey = Aead.key(receiveKey);
        this.initiator = initiator;
        this.createdNanos = createdNanos;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
    }

    public boolean initiator() { return initiator; }
    public long createdNanos() { return createdNanos; }
    public int localIndex() { return localIndex; }
    public int remoteIndex() { return remoteIndex; }
    /** The counter the next sealed message will carry. */
    public long nextCounter() { return sendNonce.get(); }

    /** Whether this key pair may still send at {@code now} (whitepaper 6.2: reject after time and messages). */
    public boolean canSend(long nowNanos) {
        return !zeroed && nowNanos - createdNanos < Constants.REJECT_AFTER_TIME.toNanos()
                && Long.compareUnsigned(sendNonce.get(), Constants.REJECT_AFTER_MESSAGES) < 0;
    }

    /** Whether packets under this key pair are still accepted at {@code now}. */
    public boolean canReceive(long nowNanos) {
        return !zeroed && nowNanos - createdNanos < Constants.REJECT_AFTER_TIME.toNanos();
    }

    /** Takes the next counter, or -1 once REJECT_AFTER_MESSAGES is reached (the counter is then not consumed). */
    long takeCounter() {
        while (true) {
            long c = sendNonce.get();
            if (Long.compareUnsigned(c, Constants.REJECT_AFTER_MESSAGES) >= 0) return -1;
            if (sendNonce.compareAndSet(c, c + 1)) return c;
        }
    }

    /**
     * Writes a whole transport message into {@code out} at its position: header with {@code counter}, then the
     * remaining bytes of {@code paddedPlain} sealed. Returns the message length.
     */
    int seal(long counter, ByteBuffer paddedPlain, ByteBuffer out) {
        int start = out.position();
        Messages.Transport.writeHeader(out, start, remoteIndex, counter);
        out.position(start + Messages.TRANSPORT_HEADER_SIZE);
        int n = Aead.get().seal(sendKey, counter, paddedPlain, out);
        return Messages.TRANSPORT_HEADER_SIZE + n;
    }

    /** Opens the content of a transport message into {@code out}; -1 if it does not authenticate. No replay check. */
    int open(long counter, ByteBuffer sealed, ByteBuffer out) {
        if (zeroed) return -1;
        return Aead.get().open(receiveKey, counter, sealed, out);
    }

    /** The replay check, after {@link #open} succeeded. */
    boolean acceptCounter(long counter) {
        synchronized (replayFilter) {
            return replayFilter.validate(counter, Constants.REJECT_AFTER_MESSAGES);
        }
    }

    /** Erases our copies of the keys; the key pair refuses to open anything afterwards. */
    void zero() {
        zeroed = true;
        NoiseHelpers.zero(sendKeyBytes, receiveKeyBytes);
    }
}
