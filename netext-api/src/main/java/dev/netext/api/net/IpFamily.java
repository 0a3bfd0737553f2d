package dev.netext.api.net;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The two IP versions. A packet's family is the high nibble of its first byte (RFC 791 §3.1, RFC 8200 §3). */
public enum IpFamily {
    V4(4, 32), V6(6, 128);

    private final int version;
    private final int bits;

    IpFamily(int version, int bits) {
        this.version = version;
        this.bits = bits;
    }

    public int version() { return version; }

    /** Address length in bits: 32 or 128. */
    public int bits() { return bits; }

    /** Address length in bytes: 4 or 16. */
    public int bytes() { return bits / 8; }

    /** The family of a raw IP packet from its first byte, or {@code null} for anything else. */
    public static IpFamily ofFirstByte(int firstByte) {
        return switch ((firstByte >>> 4) & 0xF) {
            case 4 -> V4;
            case 6 -> V6;
            default -> null;
        };
    }

    public static IpFamily of(InetAddress address) {
        return address instanceof Inet4Address ? V4 : V6;
    }
}
