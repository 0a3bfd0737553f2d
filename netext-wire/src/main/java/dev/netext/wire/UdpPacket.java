package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of a UDP datagram (RFC 768).
 *
 * <p>Checksum rules, which differ by IP version: over IPv4 a transmitted 0 means "not computed" and a computed 0
 * is sent as 0xFFFF (RFC 768); over IPv6 the checksum is mandatory and a received 0 is invalid (RFC 8200 §8.1).
 */
public final class UdpPacket extends AbstractView {

    /**
     * RFC 768 header.
     * <pre>
     *  0      7 8     15 16    23 24    31
     * +--------+--------+--------+--------+
     * |     Source      |   Destination   |
     * |      Port       |      Port       |
     * +--------+--------+--------+--------+
     * |     Length      |    Checksum     |
     * +--------+--------+--------+--------+
     * </pre>
     */
    public static final class Field {
        private Field() {}

        public static final int SRC_PORT = 0;
        public static final int DST_PORT = 2;
        /** Header plus data, in octets; at least 8. */
        public static final int LENGTH = 4;
        public static final int CHECKSUM = 6;
        public static final int HEADER_LEN = 8;
    }

    /** Re-points this view; never throws. */
    public UdpPacket wrap(ByteBuffer buf, int offset, int length) {
        point(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths. */
    public static UdpPacket of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        UdpPacket p = new UdpPacket().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /** Points at the upper-layer part of a checked IP packet. */
    public boolean tryWrap(IpPacket ip) {
        return tryWrap(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerLength());
    }

    /**
     * Validates: window in buffer, ≥ 8 octets, 8 ≤ Length ≤ window. A window longer than Length is accepted
     * (the IP layer may carry trailing bytes; they are not part of the datagram). Jumbo UDP (Length 0, RFC 2675 §4)
     * is rejected.
     */
    @Override
    String problem() {
        if (!windowInBuffer()) {
            return "UDP: window outside buffer";
        }
        if (len < Field.HEADER_LEN) {
            return "UDP: shorter than 8 octets";
        }
        int l = datagramLength();
        if (l < Field.HEADER_LEN) {
            return "UDP: length field below 8";
        }
        if (l > len) {
            return "UDP: length field beyond buffer";
        }
        return null;
    }

    public int sourcePort() { return u16(Field.SRC_PORT); }
    public int destinationPort() { return u16(Field.DST_PORT); }
    /** The Length field: header plus data. */
    public int datagramLength() { return u16(Field.LENGTH); }
    public int checksum() { return u16(Field.CHECKSUM); }

    public void setSourcePort(int port) { put16(Field.SRC_PORT, port); }
    public void setDestinationPort(int port) { put16(Field.DST_PORT, port); }
    public void setDatagramLength(int length) { put16(Field.LENGTH, length); }
    public void setChecksum(int checksum) { put16(Field.CHECKSUM, checksum); }

    /** Swaps the ports; the checksum is unchanged because the one's-complement sum is commutative. */
    public void swapPorts() {
        int s = sourcePort();
        setSourcePort(destinationPort());
        setDestinationPort(s);
    }

    public int payloadOffset() { return off + Field.HEADER_LEN; }
    public int payloadLength() { return datagramLength() - Field.HEADER_LEN; }

    /** Computes and stores the checksum over pseudo-header, header and data; a computed 0 is stored as 0xFFFF. */
    public void fillChecksum(IpPacket ip) {
        setChecksum(0);
        int l = datagramLength();
        int s = Checksum.add(ip.pseudoHeaderSum(IpProtocol.UDP, l), Checksum.sum(buf, off, l));
        setChecksum(Checksum.udpTransmitted(Checksum.finish(s)));
    }

    /** Whether the checksum is valid: over IPv4 a zero field ("none") is valid, over IPv6 it is not. */
    public boolean verifyChecksum(IpPacket ip) {
        if (checksum() == Checksum.UDP_NONE) {
            return ip.version() == Ipv4Packet.Field.VERSION;
        }
        int l = datagramLength();
        return Checksum.verifies(Checksum.add(ip.pseudoHeaderSum(IpProtocol.UDP, l), Checksum.sum(buf, off, l)));
    }

    @Override public String toString() {
        return "UdpPacket[off=" + off + ", len=" + len + "]";
    }
}
