package dev.netext.wire.quic;

/**
 * QUIC constants for reading client Initial packets, named as in RFC 9000 (transport), RFC 9001 (TLS) and RFC 9369
 * (version 2), with section references.
 */
public final class QuicSpec {
    private QuicSpec() {}

    // ---------------------------------------------------------------- packet header, RFC 9000 §17.2
    /** First byte: Header Form bit, 1 for a long header. */
    public static final int HEADER_FORM_LONG = 0x80;
    /** First byte: Fixed Bit (may be 0 after grease_quic_bit, RFC 9287). */
    public static final int FIXED_BIT = 0x40;
    /** First byte of a long header: Long Packet Type (2 bits). */
    public static final int LONG_PACKET_TYPE_MASK = 0x30, LONG_PACKET_TYPE_SHIFT = 4;
    /** First byte of a long header after header protection is removed: Reserved Bits (must be 0). */
    public static final int LONG_RESERVED_BITS = 0x0c;
    /** First byte after header protection is removed: Packet Number Length minus one. */
    public static final int PACKET_NUMBER_LENGTH_MASK = 0x03;
    /** Header protection masks the low 4 bits of a long header's first byte (RFC 9001 §5.4.1). */
    public static final int LONG_HEADER_PROTECTED_BITS = 0x0f;
    /** Version (4 bytes) follows the first byte; 0 is a Version Negotiation packet (RFC 9000 §17.2.1). */
    public static final int VERSION_NEGOTIATION = 0;
    /** RFC 9000 §17.2: in versions 1 and 2, connection IDs are at most 20 bytes. */
    public static final int MAX_CONNECTION_ID_LEN = 20;
    /** RFC 9000 §7.2: a client's first Destination Connection ID is at least 8 bytes. */
    public static final int MIN_INITIAL_DCID_LEN = 8;
    /**
     * RFC 9000 §14.1: a client pads datagrams carrying Initial packets to at least 1200 bytes, and a server MUST
     * discard smaller ones; so does the peeker, which also keeps junk datagrams from costing a decryption.
     */
    public static final int MIN_INITIAL_DATAGRAM_LEN = 1200;

    // ---------------------------------------------------------------- packet protection, RFC 9001 §5
    /** AEAD_AES_128_GCM (Initial packets): 16-byte key, 12-byte IV, 16-byte tag. */
    public static final int KEY_LEN = 16, IV_LEN = 12, AEAD_TAG_LEN = 16;
    /** RFC 9001 §5.4.2: the header protection sample is 16 bytes, from 4 bytes after the Packet Number's start. */
    public static final int SAMPLE_LEN = 16, SAMPLE_OFFSET_FROM_PN = 4;
    /** Header protection key length for AES-128. */
    public static final int HP_KEY_LEN = 16;

    // ---------------------------------------------------------------- frames, RFC 9000 §19 (those allowed in Initial packets, §12.4)
    public static final int FRAME_PADDING = 0x00;
    public static final int FRAME_PING = 0x01;
    public static final int FRAME_ACK = 0x02;
    public static final int FRAME_ACK_ECN = 0x03;
    public static final int FRAME_CRYPTO = 0x06;
    public static final int FRAME_CONNECTION_CLOSE = 0x1c;

    /** RFC 9000 §19.6: the sum of a CRYPTO frame's offset and length cannot exceed 2^62-1. */
    public static final long MAX_STREAM_OFFSET = (1L << 62) - 1;
}
