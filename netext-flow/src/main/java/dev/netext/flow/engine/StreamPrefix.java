package dev.netext.flow.engine;

import java.nio.ByteBuffer;
import java.util.TreeMap;

/**
 * The first bytes of a TCP stream, in order, from the segments a queue saw: out of order (a segment from beyond a gap
 * waits, up to the capacity, for the gap to fill), sent twice or overlapping (what the stream already has is cut).
 * What the fast path names a flow from ({@link QueuedTcpFlow}); one per flow, on its event loop.
 */
final class StreamPrefix {
    private final byte[] bytes;
    private final ByteBuffer view;
    private final int firstSeq;
    private int length;      // bytes in order from the stream's start, at most the capacity
    private long inOrder;    // the stream offset of the next byte expected (past the capacity, counting on)
    private final TreeMap<Long, byte[]> early = new TreeMap<>();
    private int earlyBytes;

    /** {@code firstSeq}: the sequence number of the stream's first byte (the SYN's plus one). */
    StreamPrefix(int capacity, int firstSeq) {
        this.bytes = new byte[Math.max(1, capacity)];
        this.view = ByteBuffer.wrap(bytes);
        this.firstSeq = firstSeq;
    }

    /** A segment of {@code payload} starting at sequence number {@code seq}. */
    void add(int seq, byte[] payload) {
        if (payload.length == 0) return;
        long offset = seq - firstSeq; // signed: sequence numbers wrap, a stream prefix is far below 2 GiB
        if (offset > inOrder) {
            if (earlyBytes < bytes.length && early.putIfAbsent(offset, payload) == null) earlyBytes += payload.length;
            return;
        }
        take(offset, payload);
        while (!early.isEmpty() && early.firstKey() <= inOrder) {
            var e = early.pollFirstEntry();
            earlyBytes -= e.getValue().length;
            take(e.getKey(), e.getValue());
        }
    }

    private void take(long offset, byte[] payload) {
        long end = offset + payload.length;
        if (end <= inOrder) return; // bytes the stream has
        int skip = (int) (inOrder - offset);
        int n = (int) Math.min(payload.length - skip, bytes.length - length);
        System.arraycopy(payload, skip, bytes, length, n);
        length += n;
        inOrder = end;
    }

    /** The bytes in order, from index 0 for {@link #length()} bytes (a view: valid while this prefix lives). */
    ByteBuffer buffer() { return view; }

    int length() { return length; }

    /** Whether the capacity is reached, in order or waiting beyond a gap: naming must do with what it has. */
    boolean full() { return length == bytes.length || earlyBytes >= bytes.length; }

    /** Bytes of the stream seen in order so far (past the capacity too). */
    long inOrder() { return inOrder; }
}
