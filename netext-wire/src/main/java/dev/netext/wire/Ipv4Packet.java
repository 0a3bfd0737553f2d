package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of an IPv4 header and its payload (RFC 791 §3.1).
 *
 * <p>Use: {@code wrap(buf, off, len)} then {@code check()} (or {@code tryWrap}); accessors never throw after a
 * successful check. Setters write the field only: callers rewrite the header checksum with {@link #fillChecksum()}
 * or {@link Checksum#update16}. Options are kept but not interpreted.
 */
public final class Ipv4Packet extends AbstractView implements IpPacket {

    /**
     * RFC 791 §3.1 header diagram, offsets in octets from the start of the header.
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |         Identification        |Flags|      Fragment Offset    |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Time to Live |    Protocol   |         Header Checksum       |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                       Source Address                          |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Destination Address                        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     * The TOS octet is split into DSCP and ECN by RFC 2474 §3 and RFC 3168 §5.
     */
    public static final class Field {
        private Field() {}

        public static final int VER_IHL = 0;
        public static final int VERSION_SHIFT = 4;
        public static final int IHL_MASK = 0x0F;
        public static final int DSCP_ECN = 1;
        public static final int DSCP_SHIFT = 2;
        public static final int DSCP_MASK = 0xFC;
        public static final int ECN_MASK = 0x03;
        public static final int TOTAL_LENGTH = 2;
        public static final int IDENTIFICATION = 4;
        public static final int FLAGS_FRAGMENT = 6;
        /** Bit 0 of Flags is reserved and must be zero; bit 1 is DF, bit 2 MF (RFC 791 §3.1). */
        public static final int FLAG_RESERVED = 0x8000;
        public static final int FLAG_DF = 0x4000;
        public static final int FLAG_MF = 0x2000;
        /** Fragment offset, in units of 8 octets. */
        public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
        public static final int FRAGMENT_UNIT = 8;
        public static final int TTL = 8;
        public static final int PROTOCOL = 9;
        public static final int CHECKSUM = 10;
        public static final int SRC_ADDR = 12;
        public static final int DST_ADDR = 16;
        public static final int ADDR_LEN = 4;
        /** Header without options: IHL = 5. */
        public static final int HEADER_LEN = DST_ADDR + ADDR_LEN;
        /** IHL counts 32-bit words. */
        public static final int IHL_UNIT = 4;
        public static final int MIN_IHL = HEADER_LEN / IHL_UNIT;
        public static final int VERSION = 4;
    }

    /** Re-points this view at {@code [offset, offset+length)} of {@code buf}; never throws. */
    public Ipv4Packet wrap(ByteBuffer buf, int offset, int length) {
        point(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths: a new view over the window, validated. */
    public static Ipv4Packet of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        Ipv4Packet p = new Ipv4Packet().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /**
     * Validates: window inside the buffer, at least 20 octets, version 4, IHL ≥ 5, IHL·4 ≤ Total Length, and
     * Total Length ≤ the window. A window longer than Total Length is accepted (link-layer padding, RFC 894);
     * {@link #payloadLength()} follows Total Length. The header checksum is not verified here
     * ({@link #verifyChecksum()}), so a header can be inspected before deciding to drop it.
     */
    @Override
    String problem() {
        if (!windowInBuffer()) {
            return "IPv4: window outside buffer";
        }
        if (len < Field.HEADER_LEN) {
            return "IPv4: shorter than 20 octets";
        }
        if (version() != Field.VERSION) {
            return "IPv4: version is not 4";
        }
        int ihl = u8(Field.VER_IHL) & Field.IHL_MASK;
        if (ihl < Field.MIN_IHL) {
            return "IPv4: IHL below 5";
        }
        int total = totalLength();
        if (total < ihl * Field.IHL_UNIT) {
            return "IPv4: total length shorter than header";
        }
        if (total > len) {
            return "IPv4: total length beyond buffer";
        }
        return null;
    }

    @Override public int version() { return u8(Field.VER_IHL) >>> Field.VERSION_SHIFT; }
    /** Header length in octets, options included (IHL·4). */
    public int headerLength() { return (u8(Field.VER_IHL) & Field.IHL_MASK) * Field.IHL_UNIT; }
    public int dscp() { return (u8(Field.DSCP_ECN) & Field.DSCP_MASK) >>> Field.DSCP_SHIFT; }
    public int ecn() { return u8(Field.DSCP_ECN) & Field.ECN_MASK; }
    public int totalLength() { return u16(Field.TOTAL_LENGTH); }
    public int identification() { return u16(Field.IDENTIFICATION); }
    public boolean dontFragment() { return (u16(Field.FLAGS_FRAGMENT) & Field.FLAG_DF) != 0; }
    public boolean moreFragments() { return (u16(Field.FLAGS_FRAGMENT) & Field.FLAG_MF) != 0; }
    /** Fragment offset in octets (the field counts 8-octet units). */
    public int fragmentOffset() { return (u16(Field.FLAGS_FRAGMENT) & Field.FRAGMENT_OFFSET_MASK) * Field.FRAGMENT_UNIT; }
    public int ttl() { return u8(Field.TTL); }
    public int protocol() { return u8(Field.PROTOCOL); }
    public int headerChecksum() { return u16(Field.CHECKSUM); }
    /** Source address as a big-endian int (a.b.c.d = a&lt;&lt;24 | ...), allocation-free. */
    public int sourceAddress() { return i32(Field.SRC_ADDR); }
    public int destinationAddress() { return i32(Field.DST_ADDR); }

    public void setDscp(int dscp) { putBits8(Field.DSCP_ECN, Field.DSCP_MASK, Field.DSCP_SHIFT, dscp); }
    public void setEcn(int ecn) { putBits8(Field.DSCP_ECN, Field.ECN_MASK, 0, ecn); }
    /** Writes version 4 and the IHL for a header of {@code headerLength} octets (a multiple of 4, 20..60). */
    public void setHeaderLength(int headerLength) {
        put8(Field.VER_IHL, Field.VERSION << Field.VERSION_SHIFT | (headerLength / Field.IHL_UNIT & Field.IHL_MASK));
    }
    public void setTotalLength(int totalLength) { put16(Field.TOTAL_LENGTH, totalLength); }
    public void setIdentification(int id) { put16(Field.IDENTIFICATION, id); }
    public void setDontFragment(boolean df) { putBits16(Field.FLAGS_FRAGMENT, Field.FLAG_DF, 0, df ? Field.FLAG_DF : 0); }
    public void setMoreFragments(boolean mf) { putBits16(Field.FLAGS_FRAGMENT, Field.FLAG_MF, 0, mf ? Field.FLAG_MF : 0); }
    /** Sets the fragment offset in octets (must be a multiple of 8). */
    public void setFragmentOffset(int octets) {
        putBits16(Field.FLAGS_FRAGMENT, Field.FRAGMENT_OFFSET_MASK, 0, octets / Field.FRAGMENT_UNIT);
    }
    /** Clears the reserved flag, DF, MF and the fragment offset. */
    public void clearFlagsAndFragment() { put16(Field.FLAGS_FRAGMENT, 0); }
    public void setTtl(int ttl) { put8(Field.TTL, ttl); }
    public void setProtocol(int protocol) { put8(Field.PROTOCOL, protocol); }
    public void setHeaderChecksum(int checksum) { put16(Field.CHECKSUM, checksum); }
    public void setSourceAddress(int addr) { put32(Field.SRC_ADDR, addr); }
    public void setDestinationAddress(int addr) { put32(Field.DST_ADDR, addr); }

    /** Absolute index of the payload (after options). */
    public int payloadOffset() { return off + headerLength(); }
    /** Total Length minus header length; trailing bytes of the window beyond Total Length are not payload. */
    public int payloadLength() { return totalLength() - headerLength(); }

    /** Recomputes the header checksum over IHL·4 octets (RFC 791 §3.1). */
    public void fillChecksum() {
        put16(Field.CHECKSUM, 0);
        put16(Field.CHECKSUM, Checksum.compute(buf, off, headerLength()));
    }

    /** Whether the header checksum is correct. */
    public boolean verifyChecksum() {
        return Checksum.verifies(Checksum.sum(buf, off, headerLength()));
    }

    @Override public int packetLength() { return totalLength(); }
    @Override public int upperLayerProtocol() { return protocol(); }
    @Override public int upperLayerOffset() { return payloadOffset(); }
    @Override public int upperLayerLength() { return payloadLength(); }
    @Override public int sourceAddressOffset() { return off + Field.SRC_ADDR; }
    @Override public int destinationAddressOffset() { return off + Field.DST_ADDR; }
    @Override public int addressLength() { return Field.ADDR_LEN; }
    @Override public int hopLimit() { return ttl(); }
    @Override public void setHopLimit(int hopLimit) { setTtl(hopLimit); }
    @Override public boolean isFragment() {
        return (u16(Field.FLAGS_FRAGMENT) & (Field.FLAG_MF | Field.FRAGMENT_OFFSET_MASK)) != 0;
    }
    @Override public int pseudoHeaderSum(int protocol, int upperLength) {
        return Checksum.pseudoHeaderV4(buf, off + Field.SRC_ADDR, off + Field.DST_ADDR, protocol, upperLength);
    }
    @Override public void swapAddresses() {
        int s = sourceAddress();
        setSourceAddress(destinationAddress());
        setDestinationAddress(s);
    }

    @Override public String toString() {
        return "Ipv4Packet[off=" + off + ", len=" + len + "]";
    }
}
