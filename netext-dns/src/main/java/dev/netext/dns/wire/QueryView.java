package dev.netext.dns.wire;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * A reusable, checked view of one DNS query in a byte array: the header, the single question and the OPT record
 * (RFC 6891), located without copying or allocating. One instance per I/O thread; {@link #parse} resets it.
 *
 * <p>After {@code parse} returns {@link #OK}, every accessor is safe: offsets lie within the message.
 */
public final class QueryView {
    /** A well-formed standard query. */
    public static final int OK = 0;
    /** Malformed, but with a header to answer: reply FORMERR (RFC 1035 §4.1.1). */
    public static final int FORMAT_ERROR = 1;
    /** An opcode other than QUERY: reply NOTIMP. */
    public static final int NOT_IMPLEMENTED = 2;
    /** Not worth an answer (shorter than a header, or a response): drop silently, never reflect. */
    public static final int DROP = 3;
    /** Well-formed, but its OPT record asks for an EDNS version above 0: reply BADVERS (RFC 6891 §6.1.3). */
    public static final int BAD_VERSION = 4;

    private byte[] buf;
    private int length;
    private int flags;
    private int questionEnd;
    private int nameEnd;
    private int qtype;
    private int qclass;
    private boolean edns;
    private int ednsUdpSize;
    private int ednsVersion;
    private boolean dnssecOk;
    private int optStart = -1;
    private int optEnd = -1;
    private int ecsOffset = -1;
    private int ecsLength;

    /**
     * Parses {@code buf[0..length)}; returns {@link #OK}, {@link #FORMAT_ERROR}, {@link #NOT_IMPLEMENTED},
     * {@link #BAD_VERSION} (the question and OPT are then located) or {@link #DROP}.
     */
    public int parse(byte[] buf, int length) {
        this.buf = buf;
        this.length = length;
        edns = false;
        ednsVersion = EDNS_VERSION;
        dnssecOk = false;
        ednsUdpSize = MIN_UDP_PAYLOAD;
        optStart = optEnd = ecsOffset = -1;
        ecsLength = 0;
        questionEnd = nameEnd = HEADER_LEN;
        if (length < HEADER_LEN || length > buf.length) return DROP;
        flags = u16(buf, FLAGS);
        if ((flags & FLAG_QR) != 0) return DROP; // a response sent to us: never answer it (reflection loops)
        if ((flags & OPCODE_MASK) != 0) return NOT_IMPLEMENTED;
        if (u16(buf, QDCOUNT) != 1 || u16(buf, ANCOUNT) != 0 || u16(buf, NSCOUNT) != 0) return FORMAT_ERROR;
        int p = HEADER_LEN;
        int nameLen = 0;
        while (true) {
            if (p >= length) return FORMAT_ERROR;
            int l = buf[p] & 0xFF;
            if (l == 0) { p++; break; }
            if (l > MAX_LABEL) return FORMAT_ERROR; // compression pointers have no place in a query's question
            nameLen += l + 1;
            if (nameLen + 1 > MAX_NAME) return FORMAT_ERROR;
            p += l + 1;
        }
        nameEnd = p;
        if (p + QUESTION_FIXED_LEN > length) return FORMAT_ERROR;
        qtype = u16(buf, p);
        qclass = u16(buf, p + 2);
        p += QUESTION_FIXED_LEN;
        questionEnd = p;
        int arcount = u16(buf, ARCOUNT);
        for (int i = 0; i < arcount; i++) {
            int rrStart = p;
            p = skipName(buf, p, length);
            if (p < 0 || p + RR_FIXED_LEN > length) return FORMAT_ERROR;
            int type = u16(buf, p);
            int rdlen = u16(buf, p + RR_RDLENGTH);
            int rdata = p + RR_FIXED_LEN;
            if (rdata + rdlen > length) return FORMAT_ERROR;
            if (type == TYPE_OPT) {
                if (edns || rrStart + 1 != p || buf[rrStart] != 0) return FORMAT_ERROR; // RFC 6891 §6.1.1: one OPT, owner root
                edns = true;
                ednsUdpSize = Math.min(MAX_UDP_RESPONSE, Math.max(MIN_UDP_PAYLOAD, u16(buf, p + 2)));
                dnssecOk = (u16(buf, p + RR_TTL + 2) & EDNS_DO) != 0;
                ednsVersion = buf[p + RR_TTL + OPT_VERSION] & 0xFF;
                optStart = rrStart;
                optEnd = rdata + rdlen;
                for (int o = rdata; o < rdata + rdlen; ) {
                    if (o + 4 > rdata + rdlen) return FORMAT_ERROR;
                    int code = u16(buf, o);
                    int olen = u16(buf, o + 2);
                    if (o + 4 + olen > rdata + rdlen) return FORMAT_ERROR;
                    if (code == OPTION_ECS) { ecsOffset = o; ecsLength = 4 + olen; }
                    o += 4 + olen;
                }
            }
            p = rdata + rdlen;
        }
        if (p != length) return FORMAT_ERROR; // trailing garbage
        return ednsVersion > EDNS_VERSION ? BAD_VERSION : OK;
    }

    /** The offset after a (possibly compressed) name at {@code p}, or -1 if it is malformed or runs past {@code end}. */
    public static int skipName(byte[] b, int p, int end) {
        int total = 0;
        while (p < end) {
            int l = b[p] & 0xFF;
            if (l == 0) return p + 1;
            if ((l & POINTER_MASK) == POINTER_MASK) return p + 2 <= end ? p + 2 : -1;
            if (l > MAX_LABEL) return -1;
            total += l + 1;
            if (total > MAX_NAME) return -1;
            p += l + 1;
        }
        return -1;
    }

    public byte[] buffer() { return buf; }
    public int length() { return length; }
    public int id() { return u16(buf, ID); }
    public int flags() { return flags; }
    public boolean recursionDesired() { return (flags & FLAG_RD) != 0; }
    public boolean checkingDisabled() { return (flags & FLAG_CD) != 0; }
    /** End of the question section; the question is {@code [HEADER_LEN, questionEnd)}. */
    public int questionEnd() { return questionEnd; }
    /** End of the question name (start of QTYPE). */
    public int nameEnd() { return nameEnd; }
    public int qtype() { return qtype; }
    public int qclass() { return qclass; }
    public boolean hasEdns() { return edns; }
    /**
     * The client's UDP payload size: 512 without EDNS (RFC 1035), at least 512 with it (RFC 6891 §6.2.5), at most
     * {@link DnsWire#MAX_UDP_RESPONSE}.
     */
    public int udpPayloadSize() { return ednsUdpSize; }
    public boolean dnssecOk() { return dnssecOk; }
    /** The OPT record's EDNS version ({@link DnsWire#EDNS_VERSION} without one). */
    public int ednsVersion() { return ednsVersion; }
    public int optStart() { return optStart; }
    public int optEnd() { return optEnd; }
    public boolean hasClientSubnet() { return ecsOffset >= 0; }
    public int clientSubnetOffset() { return ecsOffset; }
    public int clientSubnetLength() { return ecsLength; }

    /** The question name in text form, lower case, without the trailing dot; the root is "". */
    public String name() { return Names.text(buf, HEADER_LEN, nameEnd); }

    /** Whether the question name is plain text a {@code DnsQuery} can carry (printable ASCII, no dots inside labels). */
    public boolean nameIsPrintable() { return Names.isPrintable(buf, HEADER_LEN, nameEnd); }
}
