package dev.netext.wire.peek;

/**
 * What a peeker made of the first bytes of a flow. Every peek ends in exactly one of these; none throws.
 *
 * <ul>
 *   <li>{@link #COMPLETE}: the message was whole and well formed; the peeker's accessors now describe it.</li>
 *   <li>{@link #NEED_MORE}: so far the bytes are a valid prefix of the protocol; {@code needed()} says how many more
 *       bytes are needed at least before peeking again (with all bytes so far plus the new ones).</li>
 *   <li>{@link #NOT_THIS_PROTOCOL}: the bytes are not this protocol (a first byte that cannot start it, an unknown
 *       version); try another peeker or give up.</li>
 *   <li>{@link #MALFORMED}: the bytes claim to be this protocol but break its rules (lengths that do not add up, a
 *       forbidden character, a failed authentication tag); {@code problem()} says which rule, in a constant text.</li>
 * </ul>
 */
public enum PeekStatus {
    COMPLETE,
    NEED_MORE,
    NOT_THIS_PROTOCOL,
    MALFORMED
}
