package dev.netext.wire.quic;

import java.util.HexFormat;

/**
 * The QUIC versions whose Initial packets netext can open: each has its own Initial salt (RFC 9001 §5.2, RFC 9369
 * §3.3.1), HKDF label prefix (RFC 9001 §5.1 "quic", RFC 9369 §3.3.2 "quicv2") and Initial packet type number
 * (RFC 9000 §17.2: 0b00; RFC 9369 §3.2: 0b01).
 */
public enum QuicVersion {
    V1(0x0000_0001, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a", "quic ", 0b00),
    V2(0x6b33_43cf, "0dede3def700a6db819381be6e269dcbf9bd2ed9", "quicv2 ", 0b01);

    private final int wire;
    private final byte[] initialSalt;
    private final String labelPrefix;
    private final int initialPacketType;

    QuicVersion(int wire, String saltHex, String labelPrefix, int initialPacketType) {
        this.wire = wire;
        this.initialSalt = HexFormat.of().parseHex(saltHex);
        this.labelPrefix = labelPrefix;
        this.initialPacketType = initialPacketType;
    }

    /** The 32-bit version number on the wire. */
    public int wire() { return wire; }

    byte[] initialSalt() { return initialSalt; }

    /** {@code "quic "} or {@code "quicv2 "}, prepended to {@code key}, {@code iv} and {@code hp}. */
    String labelPrefix() { return labelPrefix; }

    /** The Long Packet Type value of an Initial packet in this version. */
    public int initialPacketType() { return initialPacketType; }

    /** The version with wire number {@code wire}, or null for any other (or Version Negotiation). */
    public static QuicVersion of(int wire) {
        return switch (wire) {
            case 0x0000_0001 -> V1;
            case 0x6b33_43cf -> V2;
            default -> null;
        };
    }
}
