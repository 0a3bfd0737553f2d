package dev.netext.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum: RFC 1071 computation, RFC 1624 incremental update and the transport pseudo-headers.
 *
 * <p>Vocabulary used throughout: a <em>sum</em> is the 16-bit one's-complement sum of some bytes, folded but not
 * complemented (RFC 1071 §1 step 2); sums of even-length pieces combine with {@link #add}. A <em>checksum</em> is
 * the complemented sum that goes on the wire ({@link #finish}). A message verifies when the sum over it,
 * checksum field included, is {@code 0xFFFF} (RFC 1071 §1 step 3).
 *
 * <p>{@link #sum} reads 8 bytes per step with {@link ByteBuffer#getLong(int)} and adds the two 32-bit halves into a
 * 64-bit accumulator ("deferred carries", RFC 1071 §2(C)); the one's-complement sum is independent of how the
 * 16-bit words are grouped (§2(B)), and of byte order up to a final swap (§2(A)), which is why a little-endian
 * buffer is handled with one byte swap at the end.
 */
public final class Checksum {
    private Checksum() {}

    /** Value of a UDP checksum field meaning "no checksum" (RFC 768); allowed for IPv4 only (RFC 8200 §8.1). */
    public static final int UDP_NONE = 0;

    /**
     * One's-complement sum of {@code len} bytes starting at absolute index {@code off}, folded to 16 bits and not
     * complemented. An odd trailing byte is padded with a zero octet on the right (RFC 1071 §1 step 2), so pieces
     * combined with {@link #add} must start at even distances from the start of the checksummed message.
     */
    public static int sum(ByteBuffer buf, int off, int len) {
        int i = off;
        int end = off + len;
        long acc = 0;
        // 32 bytes per iteration, then 8: the halves are at most 2^32-1 each, so the accumulator
        // cannot overflow for any int-sized length.
        for (; i + 32 <= end; i += 32) {
            long a = buf.getLong(i);
            long b = buf.getLong(i + 8);
            long c = buf.getLong(i + 16);
            long d = buf.getLong(i + 24);
            acc += (a >>> 32) + (a & 0xFFFF_FFFFL) + (b >>> 32) + (b & 0xFFFF_FFFFL)
                    + (c >>> 32) + (c & 0xFFFF_FFFFL) + (d >>> 32) + (d & 0xFFFF_FFFFL);
        }
        for (; i + 8 <= end; i += 8) {
            long a = buf.getLong(i);
            acc += (a >>> 32) + (a & 0xFFFF_FFFFL);
        }
        int s = fold(acc);
        if (buf.order() != ByteOrder.BIG_ENDIAN) {
            s = Short.reverseBytes((short) s) & 0xFFFF;
        }
        // Tail: explicit big-endian byte assembly, independent of the buffer's order.
        int tail = 0;
        for (; i + 2 <= end; i += 2) {
            tail += ((buf.get(i) & 0xFF) << 8) | (buf.get(i + 1) & 0xFF);
        }
        if (i < end) {
            tail += (buf.get(i) & 0xFF) << 8;
        }
        return fold(s + (long) tail);
    }

    /** One's-complement sum of a byte array range; same contract as {@link #sum(ByteBuffer, int, int)}. */
    public static int sum(byte[] bytes, int off, int len) {
        return sum(ByteBuffer.wrap(bytes), off, len);
    }

    /** One's-complement addition of two folded sums (or a sum and a 16-bit word). */
    public static int add(int a, int b) {
        return fold((long) (a & 0xFFFF) + (b & 0xFFFF));
    }

    /** End-around-carry folding of a wide accumulator down to 16 bits (RFC 1071 §4.1, the {@code while (sum>>16)} loop). */
    public static int fold(long acc) {
        acc = (acc >>> 32) + (acc & 0xFFFF_FFFFL);
        acc = (acc >>> 32) + (acc & 0xFFFF_FFFFL);
        acc = (acc >>> 16) + (acc & 0xFFFF);
        acc = (acc >>> 16) + (acc & 0xFFFF);
        acc = (acc >>> 16) + (acc & 0xFFFF);
        return (int) acc;
    }

    /**
     * The pseudo-header sum (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1, RFC 4443 §2.3) for addresses given as arrays (4 or
     * 16 bytes each): what {@link IpPacket#pseudoHeaderSum} is for a parsed packet, for a packet being built.
     */
    public static int pseudoHeaderSum(byte[] src, byte[] dst, int protocol, int upperLength) {
        int sum = add(sum(src, 0, src.length), sum(dst, 0, dst.length));
        return add(add(sum, upperLength), protocol);
    }

    /** The checksum to store for a message whose sum (with the checksum field zeroed) is {@code sum}. */
    public static int finish(int sum) {
        return ~sum & 0xFFFF;
    }

    /** Checksum of a byte range with no pseudo-header (IPv4 header, ICMPv4): {@code finish(sum(...))}. */
    public static int compute(ByteBuffer buf, int off, int len) {
        return finish(sum(buf, off, len));
    }

    /** Whether a sum taken over a message including its checksum field shows it intact (RFC 1071 §1 step 3). */
    public static boolean verifies(int sumIncludingChecksum) {
        return (sumIncludingChecksum & 0xFFFF) == 0xFFFF;
    }

    /**
     * RFC 1624 §3 eqn. 3, {@code HC' = ~(~HC + ~m + m')}: the new checksum after one 16-bit word of the
     * checksummed data changes from {@code oldWord} to {@code newWord}. Eqn. 3 rather than RFC 1141's
     * {@code HC' = HC + m - m'} because the latter yields 0x0000 where a full recomputation yields 0xFFFF
     * (RFC 1624 §4). Words at odd distances from the message start must be passed byte-swapped
     * (or as a 16-bit word straddling the even boundary).
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        int s = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return ~s & 0xFFFF;
    }

    /** {@link #update16} for a 32-bit field (an IPv4 address, a TCP sequence number) at an even offset. */
    public static int update32(int checksum, int oldValue, int newValue) {
        int s = (~checksum & 0xFFFF)
                + (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF)
                + (newValue >>> 16) + (newValue & 0xFFFF);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return ~s & 0xFFFF;
    }

    /**
     * Sum of the IPv4 pseudo-header used by UDP (RFC 768) and TCP (RFC 9293 §3.1): source address, destination
     * address, a zero octet, the protocol and the upper-layer length, 12 octets in all.
     *
     * @param srcOff absolute index of the 4-byte source address in {@code buf}
     * @param dstOff absolute index of the 4-byte destination address in {@code buf}
     */
    public static int pseudoHeaderV4(ByteBuffer buf, int srcOff, int dstOff, int protocol, int upperLength) {
        long acc = (long) sum(buf, srcOff, 4) + sum(buf, dstOff, 4) + (protocol & 0xFF) + (upperLength & 0xFFFF);
        return fold(acc);
    }

    /**
     * Sum of the IPv6 pseudo-header (RFC 8200 §8.1) used by UDP, TCP and ICMPv6 (RFC 4443 §2.3): source and
     * destination address, the 32-bit upper-layer packet length (the payload length minus extension headers),
     * three zero octets and the upper-layer Next Header value, 40 octets in all.
     *
     * <p>RFC 8200 §8.1 says the destination must be the <em>final</em> destination when a Routing header is present;
     * callers pass the offset of whichever address is final (this class does not interpret routing headers).
     */
    public static int pseudoHeaderV6(ByteBuffer buf, int srcOff, int dstOff, int nextHeader, int upperLength) {
        int addrs = add(sum(buf, srcOff, 16), sum(buf, dstOff, 16));
        long acc = addrs + (long) (nextHeader & 0xFF) + (upperLength >>> 16) + (upperLength & 0xFFFF);
        return fold(acc);
    }

    /**
     * The UDP checksum field value for a computed checksum: a computed 0x0000 is sent as 0xFFFF, because 0 means
     * "no checksum" (RFC 768; RFC 8200 §8.1 for IPv6).
     */
    public static int udpTransmitted(int checksum) {
        return checksum == 0 ? 0xFFFF : checksum;
    }
}
