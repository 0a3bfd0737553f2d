package dev.netext.wire;

/**
 * Parsed IPv4 header fields (RFC 791 §3.1) without options. Addresses are big-endian ints.
 *
 * <p>{@link #parse} rejects fragments: a Repr describes a whole datagram, and reassembly is not this layer's job.
 * Checksums are not verified by {@code parse}; use {@link Ipv4Packet#verifyChecksum()} first when the input is
 * untrusted. {@link #emit} always writes a 20-octet header, dropping any options the source had.
 */
public record Ipv4Repr(int sourceAddress, int destinationAddress, int protocol, int payloadLength,
                       int ttl, int dscp, int ecn, int identification, boolean dontFragment) {

    /** Default TTL for generated packets (RFC 1700 / IANA "IP Parameters": 64). */
    public static final int DEFAULT_TTL = 64;

    /** A header for a new packet: TTL 64, DF set, DSCP/ECN/identification 0. */
    public static Ipv4Repr of(int source, int destination, int protocol, int payloadLength) {
        return new Ipv4Repr(source, destination, protocol, payloadLength, DEFAULT_TTL, 0, 0, 0, true);
    }

    public static Ipv4Repr parse(Ipv4Packet p) throws MalformedPacketException {
        p.check();
        if (p.isFragment()) {
            throw new MalformedPacketException("IPv4: fragment");
        }
        return new Ipv4Repr(p.sourceAddress(), p.destinationAddress(), p.protocol(), p.payloadLength(),
                p.ttl(), p.dscp(), p.ecn(), p.identification(), p.dontFragment());
    }

    /** The header length this Repr emits. */
    public int bufferLen() {
        return Ipv4Packet.Field.HEADER_LEN;
    }

    /** Header plus payload: the Total Length to emit. */
    public int totalLength() {
        return bufferLen() + payloadLength;
    }

    /** Writes the header at the view's offset (which must have at least {@link #bufferLen()} octets) and its checksum. */
    public void emit(Ipv4Packet p) {
        p.setHeaderLength(Ipv4Packet.Field.HEADER_LEN);
        p.setDscp(dscp);
        p.setEcn(ecn);
        p.setTotalLength(totalLength());
        p.setIdentification(identification);
        p.clearFlagsAndFragment();
        p.setDontFragment(dontFragment);
        p.setTtl(ttl);
        p.setProtocol(protocol);
        p.setSourceAddress(sourceAddress);
        p.setDestinationAddress(destinationAddress);
        p.fillChecksum();
    }

    /** Dotted-quad text of a big-endian int address. */
    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    @Override
    public String toString() {
        return "Ipv4Repr[" + format(sourceAddress) + " > " + format(destinationAddress) + ", proto=" + protocol
                + ", payload=" + payloadLength + ", ttl=" + ttl + ", dscp=" + dscp + ", ecn=" + ecn
                + ", id=" + identification + ", df=" + dontFragment + "]";
    }
}
