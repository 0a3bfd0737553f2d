package dev.netext.wire;

/**
 * Parsed UDP header (RFC 768). The payload is not copied: it stays in the buffer at
 * {@link UdpPacket#payloadOffset()}.
 */
public record UdpRepr(int sourcePort, int destinationPort, int payloadLength) {

    /** Structural parse; the checksum is checked separately with {@link UdpPacket#verifyChecksum(IpPacket)}. */
    public static UdpRepr parse(UdpPacket p) throws MalformedPacketException {
        p.check();
        return new UdpRepr(p.sourcePort(), p.destinationPort(), p.payloadLength());
    }

    public int bufferLen() {
        return UdpPacket.Field.HEADER_LEN;
    }

    /** Header plus payload: the Length field value. */
    public int datagramLength() {
        return bufferLen() + payloadLength;
    }

    /** Writes the header with checksum 0 ("none", valid over IPv4 only, RFC 768). */
    public void emit(UdpPacket p) {
        p.setSourcePort(sourcePort);
        p.setDestinationPort(destinationPort);
        p.setDatagramLength(datagramLength());
        p.setChecksum(Checksum.UDP_NONE);
    }

    /** Writes the header and the checksum over the payload already in place (write the payload first). */
    public void emit(UdpPacket p, IpPacket ip) {
        emit(p);
        p.fillChecksum(ip);
    }
}
