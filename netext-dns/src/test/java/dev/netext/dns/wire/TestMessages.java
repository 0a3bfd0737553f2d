package dev.netext.dns.wire;

import java.io.ByteArrayOutputStream;

/** Hand-built DNS messages for unit tests (RFC 1035 §4.1 layouts written out, so tests read like the RFC). */
public final class TestMessages {
    private TestMessages() {}

    /** A query: header (ID, RD), one question, optionally an OPT record (UDP size, DO) with extra option bytes. */
    public static byte[] query(int id, String name, int type, int ednsSize, boolean dnssecOk, byte[] options) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, id); u16(b, 0x0100); u16(b, 1); u16(b, 0); u16(b, 0); u16(b, ednsSize >= 0 ? 1 : 0);
        b.writeBytes(Names.encode(name));
        u16(b, type); u16(b, 1);
        if (ednsSize >= 0) opt(b, ednsSize, dnssecOk, options == null ? new byte[0] : options);
        return b.toByteArray();
    }

    public static byte[] query(int id, String name, int type) { return query(id, name, type, -1, false, null); }

    /** An RR in wire form with the owner as a pointer to the question name (offset 12). */
    public static byte[] rr(int type, long ttl, byte[] rdata) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, 0xC00C); u16(b, type); u16(b, 1); u32(b, ttl); u16(b, rdata.length);
        b.writeBytes(rdata);
        return b.toByteArray();
    }

    /** A SOA RR owned by {@code zone} with TTL {@code ttl} and MINIMUM {@code minimum}. */
    public static byte[] soa(String zone, long ttl, long minimum) {
        ByteArrayOutputStream rd = new ByteArrayOutputStream();
        rd.writeBytes(Names.encode("ns." + zone));
        rd.writeBytes(Names.encode("hm." + zone));
        u32(rd, 1); u32(rd, 3600); u32(rd, 600); u32(rd, 86400); u32(rd, minimum);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(Names.encode(zone)); u16(b, 6); u16(b, 1); u32(b, ttl); u16(b, rd.size());
        b.writeBytes(rd.toByteArray());
        return b.toByteArray();
    }

    /** A response to {@code query}: its header with QR|RA|rcode (and TC), its question, the given sections, and an OPT if asked. */
    public static byte[] response(byte[] query, int rcode, boolean tc, byte[][] answers, byte[][] authority, int ednsSize) {
        QueryView q = new QueryView();
        if (q.parse(query, query.length) != QueryView.OK) throw new IllegalArgumentException("bad query");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, q.id()); u16(b, 0x8180 | (tc ? 0x0200 : 0) | rcode);
        u16(b, 1); u16(b, answers.length); u16(b, authority.length); u16(b, ednsSize >= 0 ? 1 : 0);
        b.write(query, 12, q.questionEnd() - 12);
        for (byte[] a : answers) b.writeBytes(a);
        for (byte[] a : authority) b.writeBytes(a);
        if (ednsSize >= 0) opt(b, ednsSize, false, new byte[0]);
        return b.toByteArray();
    }

    static void opt(ByteArrayOutputStream b, int size, boolean dnssecOk, byte[] options) {
        b.write(0); u16(b, 41); u16(b, size); u16(b, 0); u16(b, dnssecOk ? 0x8000 : 0); u16(b, options.length);
        b.writeBytes(options);
    }

    public static byte[] a(int... octets) {
        byte[] r = new byte[octets.length];
        for (int i = 0; i < r.length; i++) r[i] = (byte) octets[i];
        return r;
    }

    static void u16(ByteArrayOutputStream b, int v) { b.write(v >>> 8); b.write(v); }

    static void u32(ByteArrayOutputStream b, long v) { b.write((int) (v >>> 24)); b.write((int) (v >>> 16)); b.write((int) (v >>> 8)); b.write((int) v); }
}
