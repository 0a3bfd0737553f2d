package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of a TCP segment header (RFC 9293 §3.1). Options are kept but not interpreted.
 * The window must be exactly the segment (the IP upper-layer part): TCP has no length field, so the payload runs to
 * the end of the window.
 */
public final class TcpPacket extends AbstractView {

    /**
     * RFC 9293 §3.1 header diagram (with the AE bit of RFC 9768 / former NS bit of RFC 3540).
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |          Source Port          |       Destination Port        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                        Sequence Number                        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Acknowledgment Number                      |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
     * | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
     * |       |     | |R|E|G|K|H|T|N|N|                               |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           Checksum            |         Urgent Pointer        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     */
    public static final class Field {
        private Field() {}

        public static final int SRC_PORT = 0;
        public static final int DST_PORT = 2;
        public static final int SEQ_NUM = 4;
        public static final int ACK_NUM = 8;
        /** 16-bit word: Data Offset (4 bits), reserved (3), flags (9). */
        public static final int OFFSET_FLAGS = 12;
        public static final int DATA_OFFSET_SHIFT = 12;
        public static final int DATA_OFFSET_MASK = 0xF000;
        public static final int FLAGS_MASK = 0x01FF;
        public static final int FLAG_FIN = 0x001;
        public static final int FLAG_SYN = 0x002;
        public static final int FLAG_RST = 0x004;
        public static final int FLAG_PSH = 0x008;
        public static final int FLAG_ACK = 0x010;
        public static final int FLAG_URG = 0x020;
        public static final int FLAG_ECE = 0x040;
        public static final int FLAG_CWR = 0x080;
        public static final int FLAG_AE = 0x100;
        public static final int WINDOW = 14;
        public static final int CHECKSUM = 16;
        public static final int URGENT_POINTER = 18;
        public static final int HEADER_LEN = 20;
        /** Data Offset counts 32-bit words. */
        public static final int DATA_OFFSET_UNIT = 4;
        public static final int MIN_DATA_OFFSET = HEADER_LEN / DATA_OFFSET_UNIT;
    }

    /** Re-points this view; never throws. */
    public TcpPacket wrap(ByteBuffer buf, int offset, int length) {
        point(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths. */
    public static TcpPacket of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        TcpPacket p = new TcpPacket().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /** Points at the upper-layer part of a checked IP packet. */
    public boolean tryWrap(IpPacket ip) {
        return tryWrap(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerLength());
    }

    /** Validates: window in buffer, ≥ 20 octets, Data Offset ≥ 5 and Data Offset·4 ≤ window. */
    @Override
    String problem() {
        if (!windowInBuffer()) {
            return "TCP: window outside buffer";
        }
        if (len < Field.HEADER_LEN) {
            return "TCP: shorter than 20 octets";
        }
        int doff = (u16(Field.OFFSET_FLAGS) & Field.DATA_OFFSET_MASK) >>> Field.DATA_OFFSET_SHIFT;
        if (doff < Field.MIN_DATA_OFFSET) {
            return "TCP: data offset below 5";
        }
        if (doff * Field.DATA_OFFSET_UNIT > len) {
            return "TCP: data offset beyond segment";
        }
        return null;
    }

    public int sourcePort() { return u16(Field.SRC_PORT); }
    public int destinationPort() { return u16(Field.DST_PORT); }
    /** Sequence number as an unsigned 32-bit value in an int (compare with modular arithmetic, RFC 9293 §3.4). */
    public int sequenceNumber() { return i32(Field.SEQ_NUM); }
    public int acknowledgmentNumber() { return i32(Field.ACK_NUM); }
    /** Header length in octets, options included. */
    public int headerLength() {
        return ((u16(Field.OFFSET_FLAGS) & Field.DATA_OFFSET_MASK) >>> Field.DATA_OFFSET_SHIFT) * Field.DATA_OFFSET_UNIT;
    }
    /** The 9 flag bits; test with {@code Field.FLAG_*}. */
    public int flags() { return u16(Field.OFFSET_FLAGS) & Field.FLAGS_MASK; }
    public boolean hasFlags(int mask) { return (flags() & mask) == mask; }
    public int window() { return u16(Field.WINDOW); }
    public int checksum() { return u16(Field.CHECKSUM); }
    public int urgentPointer() { return u16(Field.URGENT_POINTER); }

    public void setSourcePort(int port) { put16(Field.SRC_PORT, port); }
    public void setDestinationPort(int port) { put16(Field.DST_PORT, port); }
    public void setSequenceNumber(int seq) { put32(Field.SEQ_NUM, seq); }
    public void setAcknowledgmentNumber(int ack) { put32(Field.ACK_NUM, ack); }
    /** Sets Data Offset for a header of {@code headerLength} octets (multiple of 4, 20..60). */
    public void setHeaderLength(int headerLength) {
        putBits16(Field.OFFSET_FLAGS, Field.DATA_OFFSET_MASK, Field.DATA_OFFSET_SHIFT, headerLength / Field.DATA_OFFSET_UNIT);
    }
    public void setFlags(int flags) { putBits16(Field.OFFSET_FLAGS, Field.FLAGS_MASK, 0, flags); }
    public void setWindow(int window) { put16(Field.WINDOW, window); }
    public void setChecksum(int checksum) { put16(Field.CHECKSUM, checksum); }
    public void setUrgentPointer(int urgent) { put16(Field.URGENT_POINTER, urgent); }

    /** Absolute index of the options (length {@code headerLength() - 20}). */
    public int optionsOffset() { return off + Field.HEADER_LEN; }
    public int optionsLength() { return headerLength() - Field.HEADER_LEN; }
    public int payloadOffset() { return off + headerLength(); }
    public int payloadLength() { return len - headerLength(); }

    /** Computes and stores the checksum over pseudo-header and the whole segment (RFC 9293 §3.1). */
    public void fillChecksum(IpPacket ip) {
        setChecksum(0);
        int s = Checksum.add(ip.pseudoHeaderSum(IpProtocol.TCP, len), Checksum.sum(buf, off, len));
        setChecksum(Checksum.finish(s));
    }

    public boolean verifyChecksum(IpPacket ip) {
        return Checksum.verifies(Checksum.add(ip.pseudoHeaderSum(IpProtocol.TCP, len), Checksum.sum(buf, off, len)));
    }

    @Override public String toString() {
        return "TcpPacket[off=" + off + ", len=" + len + "]";
    }
}
