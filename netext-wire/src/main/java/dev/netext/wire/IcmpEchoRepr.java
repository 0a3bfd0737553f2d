package dev.netext.wire;

/**
 * Parsed ICMP Echo / Echo Reply (RFC 792; RFC 4443 §4.1–4.2). The message layout is the same in both versions, so one
 * record serves both; the type numbers are mapped per version. The echo data stays in the buffer.
 */
public record IcmpEchoRepr(Kind kind, int identifier, int sequenceNumber, int payloadLength) {

    public enum Kind {
        REQUEST, REPLY;

        int v4Type() {
            return this == REQUEST ? IcmpV4Packet.TYPE_ECHO_REQUEST : IcmpV4Packet.TYPE_ECHO_REPLY;
        }

        int v6Type() {
            return this == REQUEST ? IcmpV6Packet.TYPE_ECHO_REQUEST : IcmpV6Packet.TYPE_ECHO_REPLY;
        }
    }

    /** Structural parse of an ICMPv4 echo; other types, or a non-zero code, are rejected. Checksum not verified. */
    public static IcmpEchoRepr parse(IcmpV4Packet p) throws MalformedPacketException {
        p.check();
        Kind k = switch (p.type()) {
            case IcmpV4Packet.TYPE_ECHO_REQUEST -> Kind.REQUEST;
            case IcmpV4Packet.TYPE_ECHO_REPLY -> Kind.REPLY;
            default -> throw new MalformedPacketException("ICMPv4: not an echo message");
        };
        return of(k, p);
    }

    /** Structural parse of an ICMPv6 echo; other types, or a non-zero code, are rejected. Checksum not verified. */
    public static IcmpEchoRepr parse(IcmpV6Packet p) throws MalformedPacketException {
        p.check();
        Kind k = switch (p.type()) {
            case IcmpV6Packet.TYPE_ECHO_REQUEST -> Kind.REQUEST;
            case IcmpV6Packet.TYPE_ECHO_REPLY -> Kind.REPLY;
            default -> throw new MalformedPacketException("ICMPv6: not an echo message");
        };
        return of(k, p);
    }

    private static IcmpEchoRepr of(Kind k, IcmpPacket p) throws MalformedPacketException {
        if (p.code() != 0) {
            throw new MalformedPacketException("ICMP echo: code is not 0");
        }
        return new IcmpEchoRepr(k, p.echoIdentifier(), p.echoSequence(), p.payloadLength());
    }

    /** Header length; the message is {@code bufferLen() + payloadLength()} octets. */
    public int bufferLen() {
        return IcmpPacket.Field.HEADER_LEN;
    }

    /**
     * Writes the ICMPv4 echo header and the checksum over the whole view window (write the echo data at
     * {@link IcmpPacket#payloadOffset()} first, and wrap the view over exactly the message).
     */
    public void emit(IcmpV4Packet p) {
        writeHeader(p, kind.v4Type());
        p.fillChecksum();
    }

    /** As {@link #emit(IcmpV4Packet)}, for ICMPv6: the checksum includes {@code ip}'s pseudo-header. */
    public void emit(IcmpV6Packet p, Ipv6Packet ip) {
        writeHeader(p, kind.v6Type());
        p.fillChecksum(ip);
    }

    private void writeHeader(IcmpPacket p, int type) {
        p.setType(type);
        p.setCode(0);
        p.setEchoIdentifier(identifier);
        p.setEchoSequence(sequenceNumber);
    }
}
