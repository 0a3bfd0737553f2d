package dev.netext.flow.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * The first bytes of a TCP stream, in order, from the segments a queue saw: out of order (a segment from beyond a gap
 * waits, up to the capacity, for the gap to fill), sent twice or overlapping (what the stream already has is cut).
 * What the fast path names a flow from ({@link QueuedTcpFlow}); one per flow, on its event loop. The buffer starts
 * small and grows up to the capacity: most first flights (an HTTP request, a ClientHello) fit in {@link #INITIAL},
 * and every new connection makes one.
 */
final class StreamPrefix {
    /** Bytes kept at first. */
    static final int INITIAL = 2048;
    private final int capacity;
    private byte[] bytes;
    private ByteBuffer view;
    private final int firstSeq;
    private int length;      // bytes in order from the stream's start, at most the capacity
    private long inOrder;    // the stream offset of the next byte expected (past the capacity, counting on)
    private TreeMap<Long, byte[]> early; // segments beyond a gap, made with the first of them
    private int earlyBytes;

    /** {@code firstSeq}: the sequence number of the stream's first byte (the SYN's plus one). */
    StreamPrefix(int capacity, int firstSeq) {
        this.capacity = Math.max(1, capacity);
        this.bytes = new byte[Math.min(this.capacity, INITIAL)];
        this.view = ByteBuffer.wrap(bytes);
        this.firstSeq = firstSeq;
    }

    /** A segment of {@code payload} starting at sequence number {@code seq}. */
    void add(int seq, byte[] payload) {
        if (payload.length == 0) return;
        long offset = seq - firstSeq; // signed: sequence numbers wrap, a stream prefix is far below 2 GiB
        if (offset > inOrder) {
            if (early == null) early = new TreeMap<>();
            if (earlyBytes < capacity && early.putIfAbsent(offset, payload) == null) earlyBytes += payload.length;
            return;
        }
        take(offset, payload);
        while (early != null && !early.isEmpty() && early.firstKey() <= inOrder) {
            var e = early.pollFirstEntry();
            earlyBytes -= e.getValue().length;
            take(e.getKey(), e.getValue());
        }
    }

    private void take(long offset, byte[] payload) {
        long end = offset + payload.length;
        if (end <= inOrder) return; // bytes the stream has
        int skip = (int) (inOrder - offset);
        int n = (int) Math.min(payload.length - skip, capacity - length);
        if (length + n > bytes.length) grow(length + n);
        System.arraycopy(payload, skip, bytes, length, n);
        length += n;
        inOrder = end;
    }

    private void grow(int atLeast) {
        bytes = Arrays.copyOf(bytes, Math.min(capacity, Math.max(atLeast, bytes.length * 2)));
        view = ByteBuffer.wrap(bytes);
    }

    /** The bytes in order, from index 0 for {@link #length()} bytes (a view: valid until the next {@link #add}). */
    ByteBuffer buffer() { return view; }

    int length() { return length; }

    /** Whether the capacity is reached, in order or waiting beyond a gap: naming must do with what it has. */
    boolean full() { return length == capacity || earlyBytes >= capacity; }

    /** Bytes of the stream seen in order so far (past the capacity too). */
    long inOrder() { return inOrder; }
}
