package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A 128-bit IPv6 address as two longs, so that records holding one get value equality (a {@code byte[]} would
 * compare by identity) and the hot path can compare addresses without allocation.
 */
public record Ipv6Address(long high, long low) {

    public static final int LENGTH = 16;
    public static final Ipv6Address UNSPECIFIED = new Ipv6Address(0, 0);

    /** Reads 16 octets at absolute index {@code at}, in network byte order whatever the buffer's order. */
    public static Ipv6Address read(ByteBuffer buf, int at) {
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (buf.get(at + i) & 0xFF);
            l = l << 8 | (buf.get(at + 8 + i) & 0xFF);
        }
        return new Ipv6Address(h, l);
    }

    /** From 16 octets in network order; throws {@link IllegalArgumentException} for another length. */
    public static Ipv6Address of(byte[] octets) {
        if (octets.length != LENGTH) {
            throw new IllegalArgumentException("IPv6 address needs 16 octets, got " + octets.length);
        }
        return read(ByteBuffer.wrap(octets), 0);
    }

    /** Writes 16 octets at absolute index {@code at}, in network byte order. */
    public void write(ByteBuffer buf, int at) {
        for (int i = 0; i < 8; i++) {
            buf.put(at + i, (byte) (high >>> (56 - 8 * i)));
            buf.put(at + 8 + i, (byte) (low >>> (56 - 8 * i)));
        }
    }

    public byte[] toBytes() {
        byte[] b = new byte[LENGTH];
        write(ByteBuffer.wrap(b), 0);
        return b;
    }

    /** Multicast is ff00::/8 (RFC 4291 §2.7). */
    public boolean isMulticast() {
        return (high >>> 56) == 0xFF;
    }

    /** The 16-bit group {@code i} (0..7). */
    private int group(int i) {
        long half = i < 4 ? high : low;
        return (int) (half >>> (48 - 16 * (i & 3))) & 0xFFFF;
    }

    /** RFC 5952 §4 text: lowercase hex, leading zeros dropped, the longest run (≥ 2) of zero groups as "::". */
    @Override
    public String toString() {
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (group(i) != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && group(j) == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(i)));
        }
        return sb.toString();
    }
}
