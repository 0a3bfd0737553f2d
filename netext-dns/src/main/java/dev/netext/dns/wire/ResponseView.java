package dev.netext.dns.wire;

import java.util.Arrays;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * A checked walk over a DNS response: validates every record's bounds and notes what forwarding and caching need —
 * the offset of each record's TTL (to count TTLs down in place, RFC 1035 §4.1.3), the OPT record (whose "TTL" holds
 * EDNS flags and is never rewritten, RFC 6891 §6.1.3), the answer's cache lifetime (the smallest answer TTL, or for
 * negative answers min(SOA TTL, SOA MINIMUM) per RFC 2308 §5), and the A/AAAA records for the address-to-name map.
 * Reusable; one instance per thread.
 */
public final class ResponseView {
    /** Why {@link #parse} refused a message. */
    public static final int OK = 0, MALFORMED = 1, NOT_A_RESPONSE = 2, QUESTION_MISMATCH = 3;

    private byte[] buf;
    private int length;
    private int flags;
    private int questionEnd;
    private int[] ttlOffsets = new int[32];
    private int ttlCount;
    private int[] addressOffsets = new int[16]; // pairs: owner name offset, rdata offset (length gives the family)
    private int addressCount;
    private long minAnswerTtl;
    private long negativeTtl;
    private int optStart;
    private int optEnd;
    private int answerCount;

    /**
     * Parses {@code buf[0, length)}. When {@code question} is non-null, the response's question section must equal
     * {@code question[qStart, qEnd)} byte for byte (the name as sent, type and class): the anti-spoofing check of
     * RFC 5452 §9.1 alongside the ID and the server address.
     */
    public int parse(byte[] buf, int length, byte[] question, int qStart, int qEnd) {
        this.buf = buf;
        this.length = length;
        ttlCount = 0;
        addressCount = 0;
        minAnswerTtl = Long.MAX_VALUE;
        negativeTtl = -1;
        optStart = optEnd = -1;
        if (length < HEADER_LEN || length > buf.length) return MALFORMED;
        flags = u16(buf, FLAGS);
        if ((flags & FLAG_QR) == 0) return NOT_A_RESPONSE;
        int qd = u16(buf, QDCOUNT);
        int p = HEADER_LEN;
        if (qd > 1) return MALFORMED;
        if (qd == 1) {
            p = QueryView.skipName(buf, p, length);
            if (p < 0 || p + QUESTION_FIXED_LEN > length) return MALFORMED;
            p += QUESTION_FIXED_LEN;
        }
        questionEnd = p;
        if (question != null) {
            int ql = qEnd - qStart;
            if (qd != 1 || p - HEADER_LEN != ql || !Arrays.equals(buf, HEADER_LEN, p, question, qStart, qEnd))
                return QUESTION_MISMATCH;
        }
        answerCount = u16(buf, ANCOUNT);
        int ns = u16(buf, NSCOUNT);
        int ar = u16(buf, ARCOUNT);
        int total = answerCount + ns + ar;
        for (int i = 0; i < total; i++) {
            int owner = p;
            p = QueryView.skipName(buf, p, length);
            if (p < 0 || p + RR_FIXED_LEN > length) return MALFORMED;
            int type = u16(buf, p);
            long ttl = u32(buf, p + RR_TTL);
            int rdlen = u16(buf, p + RR_RDLENGTH);
            int rdata = p + RR_FIXED_LEN;
            if (rdata + rdlen > length) return MALFORMED;
            if (type == TYPE_OPT) {
                if (i < answerCount + ns || optStart >= 0) return MALFORMED; // only one, only in additional
                optStart = owner;
                optEnd = rdata + rdlen;
            } else {
                if (ttl > Integer.MAX_VALUE) ttl = 0; // RFC 2181 §8: treat a TTL with the top bit set as zero
                addTtl(p + RR_TTL);
                if (i < answerCount) {
                    minAnswerTtl = Math.min(minAnswerTtl, ttl);
                    if ((type == TYPE_A && rdlen == 4) || (type == TYPE_AAAA && rdlen == 16)) addAddress(owner, rdata);
                } else if (i < answerCount + ns && type == TYPE_SOA && rdlen >= 22) {
                    long minimum = u32(buf, rdata + rdlen - 4);
                    negativeTtl = Math.min(ttl, minimum);
                }
            }
            p = rdata + rdlen;
        }
        if (p != length) return MALFORMED;
        return OK;
    }

    private void addTtl(int off) {
        if (ttlCount == ttlOffsets.length) ttlOffsets = Arrays.copyOf(ttlOffsets, ttlCount * 2);
        ttlOffsets[ttlCount++] = off;
    }

    private void addAddress(int owner, int rdata) {
        if (addressCount * 2 == addressOffsets.length) addressOffsets = Arrays.copyOf(addressOffsets, addressOffsets.length * 2);
        addressOffsets[addressCount * 2] = owner;
        addressOffsets[addressCount * 2 + 1] = rdata;
        addressCount++;
    }

    public int flags() { return flags; }
    public int rcode() { return flags & RCODE_MASK; }
    public boolean truncated() { return (flags & FLAG_TC) != 0; }
    public int questionEnd() { return questionEnd; }
    public int answerCount() { return answerCount; }
    public int ttlCount() { return ttlCount; }
    public int ttlOffset(int i) { return ttlOffsets[i]; }
    public int optStart() { return optStart; }
    public int optEnd() { return optEnd; }
    public int addressCount() { return addressCount; }
    /** The owner name of the i-th A/AAAA answer, as text. */
    public String addressOwner(int i) { return Names.read(buf, addressOffsets[i * 2], length); }
    /** The address bytes (4 or 16) of the i-th A/AAAA answer. */
    public byte[] addressBytes(int i) {
        int rdata = addressOffsets[i * 2 + 1];
        int len = u16(buf, rdata - 2);
        return Arrays.copyOfRange(buf, rdata, rdata + len);
    }

    /**
     * How long the answer may be cached, in seconds, or -1 when it must not be: positive answers live as long as
     * their shortest answer TTL; NXDOMAIN and NODATA as long as the SOA allows (RFC 2308 §5), and not at all without
     * an SOA; other rcodes, and truncated answers, never.
     */
    public long cacheTtl() {
        if (truncated()) return -1;
        int rcode = rcode();
        if (rcode == NOERROR && answerCount > 0) return minAnswerTtl == Long.MAX_VALUE ? -1 : minAnswerTtl;
        if (rcode == NXDOMAIN || (rcode == NOERROR && answerCount == 0))
            return negativeTtl < 0 ? -1 : Math.min(negativeTtl, MAX_NEGATIVE_TTL);
        return -1;
    }
}
