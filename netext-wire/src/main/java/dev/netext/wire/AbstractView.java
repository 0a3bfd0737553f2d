package dev.netext.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * State and raw field access shared by the views: a window {@code [offset, offset+length)} of a buffer.
 * Field offsets passed to the helpers are relative to the window start, as in the RFC diagrams.
 */
abstract class AbstractView {
    ByteBuffer buf;
    int off;
    int len;

    /** Re-points the view; never throws, never allocates for a big-endian buffer. Call {@code check()} before reading. */
    void point(ByteBuffer buffer, int offset, int length) {
        // Network byte order is big-endian; a little-endian buffer gets a big-endian duplicate (one allocation).
        this.buf = buffer == null || buffer.order() == ByteOrder.BIG_ENDIAN ? buffer
                : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.off = offset;
        this.len = length;
    }

    /**
     * Why the window is not a valid header of this kind, or {@code null}: the one validation routine behind
     * {@link #check()} and {@link #tryWrap}. Allocation-free (messages are constants).
     */
    abstract String problem();

    /** Validates the window; after it passes, no accessor throws. Untrusted input goes through here. */
    public void check() throws MalformedPacketException {
        String p = problem();
        if (p != null) {
            throw new MalformedPacketException(p);
        }
    }

    /** Allocation-free re-point + validation: {@code wrap} then {@link #check()} without the exception. */
    public final boolean tryWrap(ByteBuffer buffer, int offset, int length) {
        point(buffer, offset, length);
        return problem() == null;
    }

    /** Whether the window lies inside the buffer's limit, written so that it cannot overflow. */
    final boolean windowInBuffer() {
        return buf != null && off >= 0 && len >= 0 && off <= buf.limit() - len;
    }

    /** The wrapped buffer (big-endian; a duplicate if a little-endian buffer was wrapped). */
    public final ByteBuffer buffer() {
        return buf;
    }

    /** Absolute index of the first byte of this header in {@link #buffer()}. */
    public final int offset() {
        return off;
    }

    /** Length of the window given to {@code wrap}. */
    public final int length() {
        return len;
    }

    final int u8(int at) {
        return buf.get(off + at) & 0xFF;
    }

    final int u16(int at) {
        return buf.getShort(off + at) & 0xFFFF;
    }

    final int i32(int at) {
        return buf.getInt(off + at);
    }

    final void put8(int at, int value) {
        buf.put(off + at, (byte) value);
    }

    final void put16(int at, int value) {
        buf.putShort(off + at, (short) value);
    }

    final void put32(int at, int value) {
        buf.putInt(off + at, value);
    }

    /** Read-modify-write of the bits under {@code mask} in the byte at {@code at}. */
    final void putBits8(int at, int mask, int shift, int value) {
        put8(at, (u8(at) & ~mask) | ((value << shift) & mask));
    }

    /** Read-modify-write of the bits under {@code mask} in the 16-bit word at {@code at}. */
    final void putBits16(int at, int mask, int shift, int value) {
        put16(at, (u16(at) & ~mask) | ((value << shift) & mask));
    }

    /** Read-modify-write of the bits under {@code mask} in the 32-bit word at {@code at}. */
    final void putBits32(int at, int mask, int shift, int value) {
        put32(at, (i32(at) & ~mask) | ((value << shift) & mask));
    }

    /** Swaps two non-overlapping equal-length byte ranges (absolute indices) in place, 4 bytes at a time. */
    static void swapBytes(ByteBuffer b, int a, int c, int n) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int x = b.getInt(a + i);
            b.putInt(a + i, b.getInt(c + i));
            b.putInt(c + i, x);
        }
        for (; i < n; i++) {
            byte x = b.get(a + i);
            b.put(a + i, b.get(c + i));
            b.put(c + i, x);
        }
    }
}
