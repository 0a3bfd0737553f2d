package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * The ICMP message layout shared by ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 §2.1): written once here so the two
 * versions cannot drift apart. Subclasses add the type numbers and the checksum rule, which differ
 * (ICMPv6 covers a pseudo-header, RFC 4443 §2.3).
 */
public abstract sealed class IcmpPacket extends AbstractView permits IcmpV4Packet, IcmpV6Packet {

    /**
     * RFC 792 / RFC 4443 §2.1 header, plus the Echo layout (RFC 792 "Echo or Echo Reply Message",
     * RFC 4443 §4.1–4.2).
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |     Type      |     Code      |          Checksum             |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           Identifier          |        Sequence Number        |  (Echo; "rest of header" otherwise)
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     */
    public static final class Field {
        private Field() {}

        public static final int TYPE = 0;
        public static final int CODE = 1;
        public static final int CHECKSUM = 2;
        /** The 4-octet "rest of header" (unused / pointer / MTU / identifier+sequence). */
        public static final int REST_OF_HEADER = 4;
        public static final int ECHO_IDENTIFIER = 4;
        public static final int ECHO_SEQUENCE = 6;
        public static final int HEADER_LEN = 8;
    }

    IcmpPacket() {}

    /**
     * Validates that the window lies in the buffer and holds at least the 8-octet header. Type-specific bodies are
     * not checked: the view is for rewriting headers, and unknown types must pass through (RFC 4443 §2.4(b)).
     */
    @Override
    String problem() {
        if (!windowInBuffer()) {
            return "ICMP: window outside buffer";
        }
        if (len < Field.HEADER_LEN) {
            return "ICMP: shorter than 8 octets";
        }
        return null;
    }

    final void repoint(ByteBuffer buf, int offset, int length) {
        point(buf, offset, length);
    }

    public final int type() { return u8(Field.TYPE); }
    public final int code() { return u8(Field.CODE); }
    public final int checksum() { return u16(Field.CHECKSUM); }
    /** Type and code as the 16-bit word the checksum sees, for {@link Checksum#update16}. */
    public final int typeCodeWord() { return u16(Field.TYPE); }
    public final int restOfHeader() { return i32(Field.REST_OF_HEADER); }
    public final int echoIdentifier() { return u16(Field.ECHO_IDENTIFIER); }
    public final int echoSequence() { return u16(Field.ECHO_SEQUENCE); }

    public final void setType(int type) { put8(Field.TYPE, type); }
    public final void setCode(int code) { put8(Field.CODE, code); }
    public final void setChecksum(int checksum) { put16(Field.CHECKSUM, checksum); }
    public final void setRestOfHeader(int rest) { put32(Field.REST_OF_HEADER, rest); }
    public final void setEchoIdentifier(int id) { put16(Field.ECHO_IDENTIFIER, id); }
    public final void setEchoSequence(int seq) { put16(Field.ECHO_SEQUENCE, seq); }

    /** Absolute index of the message body after the 8-octet header (echo data, or the invoking packet). */
    public final int payloadOffset() { return off + Field.HEADER_LEN; }
    /** The ICMP message is the whole window: ICMP has no length field of its own. */
    public final int payloadLength() { return len - Field.HEADER_LEN; }

    /**
     * Changes type and code and updates the checksum incrementally (RFC 1624 eqn. 3): the type/code word is at
     * an even offset, so only that word's contribution changes. Used to turn an Echo into an Echo Reply without
     * touching the payload.
     */
    public final void setTypeAndCodeIncremental(int type, int code) {
        int oldWord = typeCodeWord();
        int newWord = (type & 0xFF) << 8 | (code & 0xFF);
        put16(Field.TYPE, newWord);
        setChecksum(Checksum.update16(checksum(), oldWord, newWord));
    }
}
