package dev.netext.dns.wire;

/**
 * DNS wire-format constants, named as in the RFCs. Offsets are into a message (RFC 1035 §4.1.1 header diagram);
 * flag masks apply to the 16-bit word at {@link #FLAGS}.
 *
 * <pre>
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 * |                      ID                       |  0..2
 * |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |  2..4
 * |                    QDCOUNT                    |  4..6
 * |                    ANCOUNT                    |  6..8
 * |                    NSCOUNT                    |  8..10
 * |                    ARCOUNT                    | 10..12
 * </pre>
 */
public final class DnsWire {
    private DnsWire() {}

    // RFC 1035 §4.1.1 header fields
    public static final int ID = 0;
    public static final int FLAGS = 2;
    public static final int QDCOUNT = 4;
    public static final int ANCOUNT = 6;
    public static final int NSCOUNT = 8;
    public static final int ARCOUNT = 10;
    public static final int HEADER_LEN = 12;

    public static final int FLAG_QR = 0x8000;
    public static final int OPCODE_MASK = 0x7800;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    /** RFC 4035 §3.2.3: authentic data. */
    public static final int FLAG_AD = 0x0020;
    /** RFC 4035 §3.2.2: checking disabled. */
    public static final int FLAG_CD = 0x0010;
    public static final int RCODE_MASK = 0x000F;

    // RFC 1035 §4.1.1 / RFC 6895 RCODEs
    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    /**
     * RFC 6891 §6.1.3/§9: the EDNS version is not supported. An extended RCODE: its low 4 bits go in the header (0),
     * the upper 8 in the OPT record's TTL ({@link #OPT_EXTENDED_RCODE}), so it can only be sent with an OPT record.
     */
    public static final int BADVERS = 16;

    // RFC 1035 §3.1 / §4.1.4 names
    public static final int MAX_LABEL = 63;
    public static final int MAX_NAME = 255;
    /** The two high bits of a length byte that mark a compression pointer. */
    public static final int POINTER_MASK = 0xC0;

    /** RR fixed part after the owner name: TYPE, CLASS, TTL, RDLENGTH (RFC 1035 §4.1.3). */
    public static final int RR_FIXED_LEN = 10;
    public static final int RR_TTL = 4;
    public static final int RR_RDLENGTH = 8;
    /** QTYPE + QCLASS after the question name. */
    public static final int QUESTION_FIXED_LEN = 4;

    public static final int TYPE_A = 1;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_AAAA = 28;
    /** RFC 6891 §6.1.1. */
    public static final int TYPE_OPT = 41;
    public static final int TYPE_RRSIG = 46;
    public static final int CLASS_IN = 1;

    /** RFC 1035 §2.3.4: the largest message over UDP without EDNS. */
    public static final int MIN_UDP_PAYLOAD = 512;
    /**
     * The largest UDP answer netext sends, whatever a client advertises (unbound's max-udp-size): bigger answers go
     * truncated so the client uses TCP rather than depending on IP fragments (RFC 8085 §3.2, DNS flag day 2020).
     */
    public static final int MAX_UDP_RESPONSE = 4096;
    /**
     * RFC 6891 §6.1.3: the OPT record's TTL field is EXTENDED-RCODE (8 bits), VERSION (8 bits), then DO and Z; these
     * are their byte offsets from the TTL's start.
     */
    public static final int OPT_EXTENDED_RCODE = 0;
    public static final int OPT_VERSION = 1;
    /** RFC 6891 §6.1.3: the one EDNS version there is; a query with a higher one gets {@link #BADVERS}. */
    public static final int EDNS_VERSION = 0;
    /** RFC 6891 §6.1.3: the header's 4-bit RCODE is the low part; the OPT's EXTENDED-RCODE holds the bits above it. */
    public static final int EXTENDED_RCODE_SHIFT = 4;
    /** RFC 6891 §6.1.3: DO is the high bit of the OPT TTL's flags half. */
    public static final int EDNS_DO = 0x8000;
    /** RFC 7871: EDNS client subnet option code. */
    public static final int OPTION_ECS = 8;
    /** RFC 1035 §4.2.2: TCP messages carry a two-byte length prefix. */
    public static final int TCP_LENGTH_PREFIX = 2;
    public static final int MAX_MESSAGE = 65_535;

    /** RFC 2308 §5: negative answers are cached no longer than this (unbound's cache-max-negative-ttl). */
    public static final int MAX_NEGATIVE_TTL = 3600;
    /** RFC 8767 §4: the TTL given to a stale answer. */
    public static final int STALE_TTL = 30;

    public static int u16(byte[] b, int off) { return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF); }

    public static long u32(byte[] b, int off) {
        return ((long) (b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static void put32(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** ASCII lower case, the DNS comparison rule (RFC 4343); length bytes (≤ 63) are never in 'A'..'Z'. */
    public static byte fold(byte b) { return b >= 'A' && b <= 'Z' ? (byte) (b | 0x20) : b; }
}
