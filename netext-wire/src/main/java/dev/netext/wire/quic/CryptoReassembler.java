package dev.netext.wire.quic;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Puts the CRYPTO frames of one connection's Initial packets back in order (RFC 9000 §19.6: CRYPTO data is a byte
 * stream addressed by offset; frames may arrive out of order, repeat, overlap, and span packets and datagrams).
 * Bounded: data beyond {@link #limit()} bytes or scattered over more than {@link #MAX_RANGES} pieces is refused,
 * so a hostile flow costs at most the limit in memory.
 *
 * <p>One per QUIC flow being peeked, tied to that connection attempt's version and Destination Connection ID
 * (a new attempt on the same flow starts over). The buffer grows on demand up to the limit.
 */
public final class CryptoReassembler {
    /** Enough for any ClientHello seen in practice (post-quantum key shares bring Chrome's to about 2 KiB). */
    public static final int DEFAULT_LIMIT = 16 * 1024;
    /** Disjoint received pieces kept at once. */
    public static final int MAX_RANGES = 32;

    private final int limit;
    private byte[] data;
    private ByteBuffer view;
    private final int[] starts = new int[MAX_RANGES];
    private final int[] ends = new int[MAX_RANGES];
    private int ranges;
    private QuicVersion version;
    private final byte[] dcid = new byte[QuicSpec.MAX_CONNECTION_ID_LEN];
    private int dcidLength = -1;

    public CryptoReassembler() {
        this(DEFAULT_LIMIT);
    }

    public CryptoReassembler(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        this.limit = limit;
    }

    public int limit() { return limit; }

    /** Whether this stream belongs to the connection attempt with {@code version} and this connection ID. */
    public boolean belongsTo(QuicVersion version, byte[] b, int off, int len) {
        return version == this.version && len == dcidLength && Arrays.equals(b, off, off + len, dcid, 0, len);
    }

    /** Forgets all data and binds to a new connection attempt. */
    public void reset(QuicVersion version, byte[] b, int off, int len) {
        this.version = version;
        System.arraycopy(b, off, dcid, 0, len);
        dcidLength = len;
        ranges = 0;
    }

    /** Forgets all data and the connection attempt. */
    public void clear() {
        version = null;
        dcidLength = -1;
        ranges = 0;
    }

    /** Stores {@code len} bytes of stream data at stream {@code offset}; false if past the limit or too scattered. */
    public boolean insert(long offset, byte[] src, int off, int len) {
        if (offset < 0 || len < 0 || offset > limit - len) return false;
        if (len == 0) return true;
        int s = (int) offset, e = s + len;
        ensure(e);
        System.arraycopy(src, off, data, s, len);
        // Find the first range that ends at or after s (touching ranges merge).
        int i = 0;
        while (i < ranges && ends[i] < s) i++;
        int j = i;
        while (j < ranges && starts[j] <= e) {
            s = Math.min(s, starts[j]);
            e = Math.max(e, ends[j]);
            j++;
        }
        int merged = j - i; // ranges i..j-1 become one
        if (merged == 0) {
            if (ranges == MAX_RANGES) return false;
            System.arraycopy(starts, i, starts, i + 1, ranges - i);
            System.arraycopy(ends, i, ends, i + 1, ranges - i);
            ranges++;
        } else if (merged > 1) {
            System.arraycopy(starts, j, starts, i + 1, ranges - j);
            System.arraycopy(ends, j, ends, i + 1, ranges - j);
            ranges -= merged - 1;
        }
        starts[i] = s;
        ends[i] = e;
        return true;
    }

    private void ensure(int size) {
        if (data != null && data.length >= size) return;
        int n = Math.min(limit, Math.max(size, data == null ? 2048 : data.length * 2));
        data = data == null ? new byte[n] : Arrays.copyOf(data, n);
        view = ByteBuffer.wrap(data);
    }

    /** How many bytes from offset 0 have arrived without a gap. */
    public int contiguous() {
        return ranges > 0 && starts[0] == 0 ? ends[0] : 0;
    }

    /** The stream bytes; valid from index 0 to {@link #contiguous()}. Empty before any data. */
    public ByteBuffer buffer() {
        return view == null ? ByteBuffer.allocate(0) : view;
    }

    /** Disjoint pieces held (for tests and diagnostics). */
    public int ranges() { return ranges; }
}
