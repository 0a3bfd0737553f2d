package dev.netext.wire.quic;

import java.nio.ByteBuffer;

/**
 * RFC 9000 §16 variable-length integers: the two most significant bits of the first byte give the length
 * (1, 2, 4 or 8 bytes), the rest is the value in network byte order. Reads never throw: a truncated integer reads
 * as {@link #TRUNCATED}.
 */
public final class VarInt {
    private VarInt() {}

    /** Returned by {@link #read} when the integer runs past the end. Valid values are 0..2^62-1. */
    public static final long TRUNCATED = -1;

    /** The encoded length in bytes of the integer whose first byte is {@code first}. */
    public static int length(int first) {
        return 1 << ((first & 0xC0) >>> 6);
    }

    /** The integer at {@code at}, or {@link #TRUNCATED} if it does not end before {@code end}. */
    public static long read(ByteBuffer b, int at, int end) {
        if (at >= end) return TRUNCATED;
        int first = b.get(at) & 0xFF;
        int n = length(first);
        if (n > end - at) return TRUNCATED;
        long v = first & 0x3F;
        for (int i = 1; i < n; i++) v = v << 8 | (b.get(at + i) & 0xFF);
        return v;
    }

    /** Same as {@link #read(ByteBuffer, int, int)} over an array. */
    public static long read(byte[] b, int at, int end) {
        if (at >= end) return TRUNCATED;
        int first = b[at] & 0xFF;
        int n = length(first);
        if (n > end - at) return TRUNCATED;
        long v = first & 0x3F;
        for (int i = 1; i < n; i++) v = v << 8 | (b[at + i] & 0xFF);
        return v;
    }
}
