package dev.netext.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A set of raw IP addresses (4 or 16 octets) tested directly against bytes in a buffer, so that the hot path can ask
 * "is this destination one of ours?" without building an {@code InetAddress}.
 */
@FunctionalInterface
public interface AddressSet {

    /** Whether the {@code length} octets at absolute index {@code offset} of {@code buf} are in the set. */
    boolean contains(ByteBuffer buf, int offset, int length);

    /** The empty set. */
    AddressSet EMPTY = (buf, offset, length) -> false;

    /** A set of the given addresses (each 4 or 16 octets, network order); the arrays are copied. */
    static AddressSet of(byte[]... addresses) {
        byte[][] copy = new byte[addresses.length][];
        for (int i = 0; i < addresses.length; i++) {
            if (addresses[i].length != Ipv4Packet.Field.ADDR_LEN && addresses[i].length != Ipv6Packet.Field.ADDR_LEN) {
                throw new IllegalArgumentException("address must be 4 or 16 octets: " + Arrays.toString(addresses[i]));
            }
            copy[i] = addresses[i].clone();
        }
        return (buf, offset, length) -> {
            for (byte[] a : copy) {
                if (a.length == length && equalAt(buf, offset, a)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static boolean equalAt(ByteBuffer buf, int offset, byte[] a) {
        for (int i = 0; i < a.length; i++) {
            if (buf.get(offset + i) != a[i]) {
                return false;
            }
        }
        return true;
    }
}
