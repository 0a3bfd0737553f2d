package dev.netext.wire;

/**
 * The one checked exception of this package: the bytes handed to a view's {@code check()} or a Repr's
 * {@code parse} do not form a valid header. After a successful {@code check()} no accessor throws.
 *
 * <p>The stack trace is not filled in: this is a routine outcome for untrusted input, not a bug, and the
 * hot path prefers the allocation-free {@code tryWrap}.
 */
public final class MalformedPacketException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedPacketException(String reason) {
        super(reason, null, false, false);
    }
}
