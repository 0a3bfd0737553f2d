package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of an IPv6 header (RFC 8200 §3) and its extension-header chain (RFC 8200 §4).
 *
 * <p>{@link #check()} validates the fixed header and walks the extension chain once, recording where the
 * upper-layer header starts ({@link #upperLayerOffset()}) and whether a Fragment or Routing header was seen.
 * The walk is bounded twice: every extension header is at least 8 octets and must fit in Payload Length, and at
 * most {@link #MAX_EXTENSION_HEADERS} are accepted, so garbage cannot make it loop. Setters write the field only and
 * do not re-walk; call {@code check()} again after changing the chain.
 */
public final class Ipv6Packet extends AbstractView implements IpPacket {

    /**
     * RFC 8200 §3 header diagram, offsets in octets.
     * <pre>
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |Version| Traffic Class |           Flow Label                  |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |         Payload Length        |  Next Header  |   Hop Limit   |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Source Address (128 bits)                  |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                 Destination Address (128 bits)                |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     * Traffic Class is DSCP (6 bits) + ECN (2 bits) (RFC 2474 §3, RFC 3168 §5).
     * Extension headers (RFC 8200 §4.3–4.6): octet 0 Next Header, octet 1 Hdr Ext Len in 8-octet units not
     * counting the first 8; the Fragment header is a fixed 8 octets; AH (RFC 4302 §2.2) counts 4-octet units minus 2.
     */
    public static final class Field {
        private Field() {}

        public static final int VER_TC_FLOW = 0;
        public static final int VERSION_SHIFT = 28;
        public static final int TRAFFIC_CLASS_SHIFT = 20;
        public static final int TRAFFIC_CLASS_MASK = 0x0FF0_0000;
        public static final int DSCP_SHIFT = 22;
        public static final int DSCP_MASK = 0x0FC0_0000;
        public static final int ECN_SHIFT = 20;
        public static final int ECN_MASK = 0x0030_0000;
        public static final int FLOW_LABEL_MASK = 0x000F_FFFF;
        public static final int PAYLOAD_LENGTH = 4;
        public static final int NEXT_HEADER = 6;
        public static final int HOP_LIMIT = 7;
        public static final int SRC_ADDR = 8;
        public static final int ADDR_LEN = 16;
        public static final int DST_ADDR = SRC_ADDR + ADDR_LEN;
        public static final int HEADER_LEN = DST_ADDR + ADDR_LEN;
        public static final int VERSION = 6;

        /** Extension header octet 0 (all kinds). */
        public static final int EXT_NEXT_HEADER = 0;
        /** Extension header octet 1 (generic format and AH). */
        public static final int EXT_LENGTH = 1;
        /** Every extension header is a multiple of 8 octets, at least 8 (RFC 8200 §4). */
        public static final int EXT_UNIT = 8;
        /** AH length unit (RFC 4302 §2.2). */
        public static final int AH_UNIT = 4;
        /** Fragment header (RFC 8200 §4.5): offset of the Fragment Offset/Res/M word. */
        public static final int FRAG_OFFSET_FLAGS = 2;
        public static final int FRAG_OFFSET_MASK = 0xFFF8;
        public static final int FRAG_M = 0x0001;
        public static final int FRAG_HEADER_LEN = 8;
        /** Routing header (RFC 8200 §4.4): Segments Left octet. */
        public static final int ROUTING_SEGMENTS_LEFT = 3;
    }

    /**
     * Implementation choice: chains longer than this are rejected. RFC 8200 §4.1 defines at most 8 kinds of header
     * and recommends each appear once (Destination Options at most twice); 16 leaves room without inviting abuse.
     */
    public static final int MAX_EXTENSION_HEADERS = 16;

    // Results of the extension-chain walk, valid after a successful check.
    private int upperProtocol;
    private int upperOffset;
    private int extensionCount;
    private int fragmentHeaderOffset;   // absolute, -1 if none
    private int routingHeaderOffset;    // absolute, -1 if none

    /** Re-points this view; never throws. Call {@link #check()} before reading. */
    public Ipv6Packet wrap(ByteBuffer buf, int offset, int length) {
        point(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths. */
    public static Ipv6Packet of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        Ipv6Packet p = new Ipv6Packet().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /**
     * Validates: window inside the buffer, at least 40 octets, version 6, 40 + Payload Length ≤ window (extra
     * trailing bytes are tolerated as link padding), and a well-formed extension chain: each header fits within the
     * payload, Hop-by-Hop appears only first (RFC 8200 §4.1), at most one Fragment header, at most
     * {@link #MAX_EXTENSION_HEADERS} headers. Jumbograms (Payload Length 0 with a Jumbo Payload option, RFC 2675) are
     * not supported: with Payload Length 0 any extension header is "truncated".
     */
    @Override
    String problem() {
        if (!windowInBuffer()) {
            return "IPv6: window outside buffer";
        }
        if (len < Field.HEADER_LEN) {
            return "IPv6: shorter than 40 octets";
        }
        if (version() != Field.VERSION) {
            return "IPv6: version is not 6";
        }
        if (Field.HEADER_LEN + payloadLength() > len) {
            return "IPv6: payload length beyond buffer";
        }
        return walkExtensionHeaders();
    }

    private String walkExtensionHeaders() {
        int end = off + Field.HEADER_LEN + payloadLength();
        int pos = off + Field.HEADER_LEN;
        int next = nextHeader();
        int count = 0;
        fragmentHeaderOffset = -1;
        routingHeaderOffset = -1;
        while (IpProtocol.isIpv6ExtensionHeader(next)) {
            if (count == MAX_EXTENSION_HEADERS) {
                return "IPv6: too many extension headers";
            }
            if (next == IpProtocol.HOPOPT && count != 0) {
                return "IPv6: hop-by-hop options not first";
            }
            if (end - pos < Field.EXT_UNIT) {
                return "IPv6: extension header truncated";
            }
            int extLen = buf.get(pos + Field.EXT_LENGTH) & 0xFF;
            int size = switch (next) {
                case IpProtocol.IPV6_FRAG -> Field.FRAG_HEADER_LEN;
                case IpProtocol.AH -> (extLen + 2) * Field.AH_UNIT;
                default -> (extLen + 1) * Field.EXT_UNIT;
            };
            if (end - pos < size) {
                return "IPv6: extension header truncated";
            }
            if (next == IpProtocol.IPV6_FRAG) {
                if (fragmentHeaderOffset >= 0) {
                    return "IPv6: more than one fragment header";
                }
                fragmentHeaderOffset = pos;
            } else if (next == IpProtocol.IPV6_ROUTE) {
                routingHeaderOffset = pos;
            }
            next = buf.get(pos + Field.EXT_NEXT_HEADER) & 0xFF;
            pos += size;
            count++;
            if (fragmentHeaderOffset >= 0 && fragmentOffset() != 0) {
                // A non-first fragment carries no headers after the Fragment header (RFC 8200 §4.5).
                break;
            }
        }
        upperProtocol = next;
        upperOffset = pos;
        extensionCount = count;
        return null;
    }

    @Override public int version() { return i32(Field.VER_TC_FLOW) >>> Field.VERSION_SHIFT; }
    public int trafficClass() { return (i32(Field.VER_TC_FLOW) & Field.TRAFFIC_CLASS_MASK) >>> Field.TRAFFIC_CLASS_SHIFT; }
    public int dscp() { return (i32(Field.VER_TC_FLOW) & Field.DSCP_MASK) >>> Field.DSCP_SHIFT; }
    public int ecn() { return (i32(Field.VER_TC_FLOW) & Field.ECN_MASK) >>> Field.ECN_SHIFT; }
    public int flowLabel() { return i32(Field.VER_TC_FLOW) & Field.FLOW_LABEL_MASK; }
    public int payloadLength() { return u16(Field.PAYLOAD_LENGTH); }
    /** Next Header of the fixed header: the first extension header or the upper layer. */
    public int nextHeader() { return u8(Field.NEXT_HEADER); }
    @Override public int hopLimit() { return u8(Field.HOP_LIMIT); }
    /** High 64 bits of the source address, allocation-free. */
    public long sourceAddressHigh() { return buf.getLong(off + Field.SRC_ADDR); }
    public long sourceAddressLow() { return buf.getLong(off + Field.SRC_ADDR + 8); }
    public long destinationAddressHigh() { return buf.getLong(off + Field.DST_ADDR); }
    public long destinationAddressLow() { return buf.getLong(off + Field.DST_ADDR + 8); }

    /** Writes version 6 together with traffic class and flow label. */
    public void setVersionTrafficClassFlowLabel(int trafficClass, int flowLabel) {
        put32(Field.VER_TC_FLOW, Field.VERSION << Field.VERSION_SHIFT
                | (trafficClass << Field.TRAFFIC_CLASS_SHIFT & Field.TRAFFIC_CLASS_MASK)
                | (flowLabel & Field.FLOW_LABEL_MASK));
    }
    public void setTrafficClass(int tc) { putBits32(Field.VER_TC_FLOW, Field.TRAFFIC_CLASS_MASK, Field.TRAFFIC_CLASS_SHIFT, tc); }
    public void setDscp(int dscp) { putBits32(Field.VER_TC_FLOW, Field.DSCP_MASK, Field.DSCP_SHIFT, dscp); }
    public void setEcn(int ecn) { putBits32(Field.VER_TC_FLOW, Field.ECN_MASK, Field.ECN_SHIFT, ecn); }
    public void setFlowLabel(int flowLabel) { putBits32(Field.VER_TC_FLOW, Field.FLOW_LABEL_MASK, 0, flowLabel); }
    public void setPayloadLength(int length) { put16(Field.PAYLOAD_LENGTH, length); }
    public void setNextHeader(int nextHeader) { put8(Field.NEXT_HEADER, nextHeader); }
    @Override public void setHopLimit(int hopLimit) { put8(Field.HOP_LIMIT, hopLimit); }
    public void setSourceAddress(long high, long low) {
        buf.putLong(off + Field.SRC_ADDR, high);
        buf.putLong(off + Field.SRC_ADDR + 8, low);
    }
    public void setDestinationAddress(long high, long low) {
        buf.putLong(off + Field.DST_ADDR, high);
        buf.putLong(off + Field.DST_ADDR + 8, low);
    }

    /** Absolute index of the payload, i.e. the first extension header if any. */
    public int payloadOffset() { return off + Field.HEADER_LEN; }

    /** Number of extension headers walked by the last check. */
    public int extensionHeaderCount() { return extensionCount; }
    /** Absolute index of the Fragment header, or -1. */
    public int fragmentHeaderOffset() { return fragmentHeaderOffset; }
    /** Absolute index of the (last) Routing header, or -1. */
    public int routingHeaderOffset() { return routingHeaderOffset; }
    /** Segments Left of the last Routing header, or 0 if none: non-zero means this node is not the final destination. */
    public int routingSegmentsLeft() {
        return routingHeaderOffset < 0 ? 0 : buf.get(routingHeaderOffset + Field.ROUTING_SEGMENTS_LEFT) & 0xFF;
    }
    /** Fragment offset in octets from the Fragment header, or 0 if none. */
    public int fragmentOffset() {
        return fragmentHeaderOffset < 0 ? 0
                : buf.getShort(fragmentHeaderOffset + Field.FRAG_OFFSET_FLAGS) & Field.FRAG_OFFSET_MASK;
    }
    /** The M flag of the Fragment header, or false if none. */
    public boolean moreFragments() {
        return fragmentHeaderOffset >= 0 && (buf.getShort(fragmentHeaderOffset + Field.FRAG_OFFSET_FLAGS) & Field.FRAG_M) != 0;
    }

    @Override public int packetLength() { return Field.HEADER_LEN + payloadLength(); }
    /**
     * The Next Header that ends the chain: an upper-layer protocol, {@link IpProtocol#IPV6_NONXT}, {@link IpProtocol#ESP},
     * or, in a non-first fragment, whatever follows the Fragment header.
     */
    @Override public int upperLayerProtocol() { return upperProtocol; }
    @Override public int upperLayerOffset() { return upperOffset; }
    /** Payload Length minus the extension headers: the "Upper-Layer Packet Length" of RFC 8200 §8.1. */
    @Override public int upperLayerLength() { return off + packetLength() - upperOffset; }
    @Override public int sourceAddressOffset() { return off + Field.SRC_ADDR; }
    @Override public int destinationAddressOffset() { return off + Field.DST_ADDR; }
    @Override public int addressLength() { return Field.ADDR_LEN; }
    /**
     * A packet with a Fragment header is treated as a fragment even when offset is 0 and M is clear (an "atomic
     * fragment", RFC 6946): its reassembly identity still matters to the sender.
     */
    @Override public boolean isFragment() { return fragmentHeaderOffset >= 0; }
    /** Pseudo-header per RFC 8200 §8.1 using the Destination Address field (see {@link Checksum#pseudoHeaderV6}). */
    @Override public int pseudoHeaderSum(int protocol, int upperLength) {
        return Checksum.pseudoHeaderV6(buf, off + Field.SRC_ADDR, off + Field.DST_ADDR, protocol, upperLength);
    }
    @Override public void swapAddresses() { swapBytes(buf, off + Field.SRC_ADDR, off + Field.DST_ADDR, Field.ADDR_LEN); }

    @Override public String toString() {
        return "Ipv6Packet[off=" + off + ", len=" + len + "]";
    }
}
