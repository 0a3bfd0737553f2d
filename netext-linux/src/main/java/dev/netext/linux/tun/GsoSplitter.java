package dev.netext.linux.tun;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Cuts a TCP super-packet the kernel handed over with a {@code virtio_net_hdr} (TSO through {@code TUNSETOFFLOAD})
 * into the segments it stands for, as the kernel's own GSO would (tcp_gso_segment): headers copied, IPv4 total
 * length, identification and header checksum, IPv6 payload length, TCP sequence number, FIN/PSH only on the last
 * segment, CWR only on the first, and a full TCP checksum per segment. It also completes the partial checksum of a
 * packet that needs one ({@code VIRTIO_NET_HDR_F_NEEDS_CSUM} without GSO).
 *
 * <p>Stateless; all methods work on native memory without allocating.
 */
final class GsoSplitter {
    /** virtio_net_hdr.flags (include/uapi/linux/virtio_net.h). */
    static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    /** virtio_net_hdr.gso_type values. */
    static final int VIRTIO_NET_HDR_GSO_NONE = 0, VIRTIO_NET_HDR_GSO_TCPV4 = 1, VIRTIO_NET_HDR_GSO_TCPV6 = 4,
            VIRTIO_NET_HDR_GSO_ECN = 0x80;
    /** TCP flags (RFC 9293 section 3.1; CWR from RFC 3168). */
    static final int TCP_FIN = 0x01, TCP_PSH = 0x08, TCP_CWR = 0x80;
    static final int IPPROTO_TCP = 6;

    /** Network byte order. */
    private static final ValueLayout.OfInt BE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final ValueLayout.OfInt NATIVE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final boolean NATIVE_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private GsoSplitter() {}

    static int u16(MemorySegment m, long off) { return m.get(BE_SHORT, off) & 0xffff; }

    /**
     * The IP header length of {@code p} ({@code len} bytes, at least 40) if it carries TCP in an IPv4 header without
     * options and not a fragment, or in an IPv6 header with TCP as the next header, its length field matching
     * {@code len}; else -1. Checksums are the caller's (the write-side merge and ACK thinning check them).
     */
    static int tcpIpHeaderLength(MemorySegment p, int len) {
        int version = (p.get(JAVA_BYTE, 0) >> 4) & 0xf;
        if (version == 4) {
            if ((p.get(JAVA_BYTE, 0) & 0xf) != 5 || (p.get(JAVA_BYTE, 9) & 0xff) != IPPROTO_TCP) return -1;
            return (u16(p, 6) & 0x3fff) != 0 || u16(p, 2) != len ? -1 : 20; // MF or a fragment offset
        }
        if (version == 6) return len < 60 || (p.get(JAVA_BYTE, 6) & 0xff) != IPPROTO_TCP || u16(p, 4) != len - 40 ? -1 : 40;
        return -1;
    }

    /** The sum (unfolded) of the addresses a TCP checksum's pseudo-header holds, for an IP header of {@code ipLen}. */
    static long addressSum(MemorySegment p, int ipLen) {
        return ipLen == 20 ? headerSum(p, 12, 8, 0) : headerSum(p, 8, 32, 0);
    }

    static void put16(MemorySegment m, long off, int v) { m.set(BE_SHORT, off, (short) v); }

    /**
     * The ones'-complement sum (RFC 1071) of {@code m[off, off+len)} added to {@code sum}, as 16-bit big-endian words,
     * not folded. The bulk is read as native-order 64-bit words whose 32-bit halves go into 64-bit accumulators, the
     * tail as 32-bit words (RFC 1071 section 2(B): the sum is byte-order independent up to one final swap); no carry
     * is lost for any length a TUN packet can have.
     */
    static long sum(MemorySegment m, long off, int len, long sum) {
        long wide = 0;
        int i = 0;
        if (len >= 32) {
            // a ByteBuffer view: its bounds checks hoist out of the loop; per-access segment var-handle checks
            // were a third of the TUN reader's checksum time in a JFR profile. Four independent accumulators let
            // the adds overlap: 1,400 bytes in 91 ns instead of 298 with one (a segment's TCP checksum, per packet)
            ByteBuffer b = m.asSlice(off, len).asByteBuffer().order(ByteOrder.nativeOrder());
            long w1 = 0, w2 = 0, w3 = 0;
            for (; i + 32 <= len; i += 32) {
                long a = b.getLong(i), c = b.getLong(i + 8), d = b.getLong(i + 16), e = b.getLong(i + 24);
                wide += (a & 0xffffffffL) + (a >>> 32);
                w1 += (c & 0xffffffffL) + (c >>> 32);
                w2 += (d & 0xffffffffL) + (d >>> 32);
                w3 += (e & 0xffffffffL) + (e >>> 32);
            }
            wide += w1 + w2 + w3;
        }
        for (; i + 4 <= len; i += 4) wide += m.get(NATIVE_INT, off + i) & 0xffffffffL;
        int folded = fold(wide);
        sum += NATIVE_LITTLE ? Short.reverseBytes((short) folded) & 0xffff : folded;
        for (; i + 2 <= len; i += 2) sum += u16(m, off + i);
        if (i < len) sum += (m.get(JAVA_BYTE, off + i) & 0xff) << 8;
        return sum;
    }

    /**
     * The ones'-complement sum of a short, even-length region ({@code len} ≤ 60: an IP header, a pseudo-header's
     * addresses) added to {@code sum}, 32 bits at a time. {@link #segment} sums four regions per segment; with
     * {@link #sum} at all four, C2 inlined its bulk loop (and the slice and buffer view it makes) four times, ran out of
     * its node budget ({@code NodeCountInliningCutoff}, seen in {@code -XX:+LogCompilation} of a WireGuard sender) and
     * left the payload loop's {@code getLong} calls out of line: 6 % of the machine's samples in a netext ↔ netext run.
     */
    static long headerSum(MemorySegment m, long off, int len, long sum) {
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            int w = m.get(BE_INT, off + i);
            sum += (w >>> 16) + (w & 0xffff);
        }
        if (i < len) sum += u16(m, off + i);
        return sum;
    }

    /** Folds a sum to 16 bits (not complemented). */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /**
     * Completes a partial checksum: the kernel left the pseudo-header sum at {@code csumStart + csumOffset}; the
     * checksum covers {@code [csumStart, len)} including that field. Returns false if the offsets lie outside the
     * packet.
     */
    static boolean completeChecksum(MemorySegment p, int len, int csumStart, int csumOffset) {
        if (csumStart < 0 || csumOffset < 0 || csumStart + csumOffset + 2 > len) return false;
        int c = ~fold(sum(p, csumStart, len - csumStart, 0)) & 0xffff;
        put16(p, csumStart + csumOffset, c);
        return true;
    }

    /**
     * The geometry of a TCP super-packet, or -1 if it is not one this class can cut: IPv4 or IPv6 (no extension
     * headers: the TCP header must start at {@code csumStart}), TCP, a sane header length. Returns the length of all
     * headers (IP + TCP).
     */
    static int headerLength(MemorySegment p, int len, int csumStart) {
        if (len < 1) return -1;
        int version = (p.get(JAVA_BYTE, 0) >> 4) & 0xf;
        int ipLen;
        if (version == 4) {
            if (len < 20) return -1;
            ipLen = (p.get(JAVA_BYTE, 0) & 0xf) * 4;
            if (ipLen < 20 || (p.get(JAVA_BYTE, 9) & 0xff) != IPPROTO_TCP) return -1;
        } else if (version == 6) {
            if (len < 40 || (p.get(JAVA_BYTE, 6) & 0xff) != IPPROTO_TCP) return -1;
            ipLen = 40;
        } else {
            return -1;
        }
        if (csumStart != ipLen || ipLen + 20 > len) return -1;
        int tcpLen = ((p.get(JAVA_BYTE, ipLen + 12) >> 4) & 0xf) * 4;
        if (tcpLen < 20 || ipLen + tcpLen > len) return -1;
        return ipLen + tcpLen;
    }

    /** How many segments a super-packet of {@code len} bytes with {@code hdrLen} bytes of headers gives. */
    static int segmentCount(int len, int hdrLen, int gsoSize) {
        int payload = len - hdrLen;
        return payload <= 0 ? 1 : (payload + gsoSize - 1) / gsoSize;
    }

    /**
     * Writes segment {@code i} of the super-packet {@code p} ({@code len} bytes, headers {@code hdrLen}, segment size
     * {@code gsoSize}) into {@code out}; returns its length. {@code out} must hold {@code hdrLen + gsoSize} bytes.
     */
    static int segment(MemorySegment p, int len, int hdrLen, int gsoSize, int i, int count, MemorySegment out) {
        int payloadOff = hdrLen + i * gsoSize;
        int payloadLen = Math.min(gsoSize, len - payloadOff);
        if (payloadLen < 0) payloadLen = 0;
        MemorySegment.copy(p, 0, out, 0, hdrLen);
        if (payloadLen > 0) MemorySegment.copy(p, payloadOff, out, hdrLen, payloadLen);
        int total = hdrLen + payloadLen;
        boolean v4 = ((out.get(JAVA_BYTE, 0) >> 4) & 0xf) == 4;
        int ipLen;
        long pseudo;
        if (v4) {
            ipLen = (out.get(JAVA_BYTE, 0) & 0xf) * 4;
            put16(out, 2, total);
            put16(out, 4, (u16(p, 4) + i) & 0xffff);
            put16(out, 10, 0);
            put16(out, 10, ~fold(headerSum(out, 0, ipLen, 0)) & 0xffff);
            pseudo = headerSum(out, 12, 8, 0);
        } else {
            ipLen = 40;
            put16(out, 4, total - 40);
            pseudo = headerSum(out, 8, 32, 0);
        }
        int tcpLen = total - ipLen;
        pseudo += IPPROTO_TCP + tcpLen;
        long seq = (out.get(BE_INT, ipLen + 4) & 0xffffffffL) + (long) i * gsoSize;
        out.set(BE_INT, ipLen + 4, (int) seq);
        int flags = out.get(JAVA_BYTE, ipLen + 13) & 0xff;
        if (i != count - 1) flags &= ~(TCP_FIN | TCP_PSH);
        if (i != 0) flags &= ~TCP_CWR;
        out.set(JAVA_BYTE, ipLen + 13, (byte) flags);
        put16(out, ipLen + 16, 0);
        put16(out, ipLen + 16, ~fold(sum(out, ipLen, tcpLen, pseudo)) & 0xffff);
        return total;
    }
}
