package dev.netext.dns.wire;

import dev.netext.api.dns.DnsRecord;

import java.util.List;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * Builds the responses netext writes itself: errors (FORMERR, SERVFAIL, REFUSED, NXDOMAIN, NOTIMP), answers from
 * provider records, and truncated forms of answers too large for the client's UDP size (RFC 2181 §9: TC set, the
 * question and OPT kept, every other section dropped, so the client retries over TCP). Stateless.
 */
public final class MessageBuilder {
    private MessageBuilder() {}

    /** The UDP payload size netext advertises (the DNS flag day 2020 value: no IP fragmentation). */
    public static final int ADVERTISED_UDP_SIZE = 1232;
    static final int OPT_LEN = 1 + RR_FIXED_LEN;

    /**
     * An empty response to {@code q} with {@code rcode}: the question echoed when it was parsed, and an OPT record
     * when the query had one (RFC 6891 §7: a responder that understands EDNS includes OPT). An extended {@code rcode}
     * ({@link DnsWire#BADVERS}) is split between the header and that OPT record. Returns the length.
     */
    public static int error(QueryView q, boolean questionValid, int rcode, byte[] out) {
        byte[] in = q.buffer();
        int p = header(in, q.flags(), rcode, out);
        if (questionValid) {
            int ql = q.questionEnd() - HEADER_LEN;
            System.arraycopy(in, HEADER_LEN, out, HEADER_LEN, ql);
            p += ql;
            put16(out, QDCOUNT, 1);
            if (q.hasEdns()) {
                p = opt(out, p, q.dnssecOk(), rcode >>> EXTENDED_RCODE_SHIFT);
                put16(out, ARCOUNT, 1);
            }
        }
        return p;
    }

    /**
     * A NOERROR answer to {@code q} with {@code records} in the answer section (no records: NODATA). Owner names equal
     * to the question name are written as a pointer to it (RFC 1035 §4.1.4). Returns the length, or -1 if the
     * records do not fit in {@code out}.
     */
    public static int answer(QueryView q, List<DnsRecord> records, byte[] out) {
        byte[] in = q.buffer();
        int p = header(in, q.flags(), NOERROR, out);
        int ql = q.questionEnd() - HEADER_LEN;
        System.arraycopy(in, HEADER_LEN, out, HEADER_LEN, ql);
        p += ql;
        put16(out, QDCOUNT, 1);
        String qname = q.name();
        for (DnsRecord r : records) {
            byte[] rdata = r.rdata();
            byte[] owner = r.name().equals(qname) ? null : Names.encode(r.name());
            int need = (owner == null ? 2 : owner.length) + RR_FIXED_LEN + rdata.length;
            if (p + need + OPT_LEN > out.length) return -1;
            if (owner == null) {
                put16(out, p, 0xC000 | HEADER_LEN);
                p += 2;
            } else {
                System.arraycopy(owner, 0, out, p, owner.length);
                p += owner.length;
            }
            put16(out, p, r.type().code());
            put16(out, p + 2, r.dnsClass().code());
            put32(out, p + RR_TTL, r.ttl());
            put16(out, p + RR_RDLENGTH, rdata.length);
            p += RR_FIXED_LEN;
            System.arraycopy(rdata, 0, out, p, rdata.length);
            p += rdata.length;
        }
        put16(out, ANCOUNT, records.size());
        if (q.hasEdns()) {
            p = opt(out, p, q.dnssecOk(), 0);
            put16(out, ARCOUNT, 1);
        }
        return p;
    }

    /**
     * The truncated form of {@code response[0, length)} (already parsed into {@code view}): header with TC, the
     * question, and the OPT record if it had one. Returns the length.
     */
    public static int truncated(byte[] response, ResponseView view, byte[] out) {
        int qEnd = view.questionEnd();
        System.arraycopy(response, 0, out, 0, qEnd);
        put16(out, FLAGS, u16(response, FLAGS) | FLAG_TC);
        put16(out, ANCOUNT, 0);
        put16(out, NSCOUNT, 0);
        int p = qEnd;
        if (view.optStart() >= 0) {
            int ol = view.optEnd() - view.optStart();
            System.arraycopy(response, view.optStart(), out, p, ol);
            p += ol;
            put16(out, ARCOUNT, 1);
        } else {
            put16(out, ARCOUNT, 0);
        }
        return p;
    }

    private static int header(byte[] in, int queryFlags, int rcode, byte[] out) {
        System.arraycopy(in, ID, out, ID, 2);
        int flags = FLAG_QR | (queryFlags & (OPCODE_MASK | FLAG_RD | FLAG_CD)) | FLAG_RA | (rcode & RCODE_MASK);
        put16(out, FLAGS, flags);
        put16(out, QDCOUNT, 0);
        put16(out, ANCOUNT, 0);
        put16(out, NSCOUNT, 0);
        put16(out, ARCOUNT, 0);
        return HEADER_LEN;
    }

    /**
     * An OPT pseudo-record (RFC 6891 §6.1.2): root owner, our UDP size, the upper bits of an extended RCODE, version 0
     * (also in a BADVERS answer: the highest version we implement, §6.1.3), the DO bit echoed (RFC 3225 §3).
     */
    private static int opt(byte[] out, int p, boolean dnssecOk, int extendedRcode) {
        out[p] = 0;
        put16(out, p + 1, TYPE_OPT);
        put16(out, p + 3, ADVERTISED_UDP_SIZE);
        int ttl = p + 1 + RR_TTL;
        put16(out, ttl + 2, dnssecOk ? EDNS_DO : 0);
        out[ttl + OPT_EXTENDED_RCODE] = (byte) extendedRcode;
        out[ttl + OPT_VERSION] = EDNS_VERSION;
        put16(out, p + 1 + RR_RDLENGTH, 0);
        return p + OPT_LEN;
    }
}
