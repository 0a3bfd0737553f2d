package dev.netext.wire;

/**
 * Parsed IPv6 fixed-header fields (RFC 8200 §3). {@code nextHeader} and {@code payloadLength} are those of the fixed
 * header: extension headers, if any, are part of the payload and are the caller's to emit.
 */
public record Ipv6Repr(Ipv6Address sourceAddress, Ipv6Address destinationAddress, int nextHeader,
                       int payloadLength, int hopLimit, int trafficClass, int flowLabel) {

    /** Default Hop Limit for generated packets (IANA "IP Parameters": 64). */
    public static final int DEFAULT_HOP_LIMIT = 64;

    public static Ipv6Repr of(Ipv6Address source, Ipv6Address destination, int nextHeader, int payloadLength) {
        return new Ipv6Repr(source, destination, nextHeader, payloadLength, DEFAULT_HOP_LIMIT, 0, 0);
    }

    public static Ipv6Repr parse(Ipv6Packet p) throws MalformedPacketException {
        p.check();
        return new Ipv6Repr(Ipv6Address.read(p.buffer(), p.sourceAddressOffset()),
                Ipv6Address.read(p.buffer(), p.destinationAddressOffset()),
                p.nextHeader(), p.payloadLength(), p.hopLimit(), p.trafficClass(), p.flowLabel());
    }

    public int bufferLen() {
        return Ipv6Packet.Field.HEADER_LEN;
    }

    /** Writes the 40-octet fixed header at the view's offset. IPv6 has no header checksum (RFC 8200 §3). */
    public void emit(Ipv6Packet p) {
        p.setVersionTrafficClassFlowLabel(trafficClass, flowLabel);
        p.setPayloadLength(payloadLength);
        p.setNextHeader(nextHeader);
        p.setHopLimit(hopLimit);
        p.setSourceAddress(sourceAddress.high(), sourceAddress.low());
        p.setDestinationAddress(destinationAddress.high(), destinationAddress.low());
    }
}
