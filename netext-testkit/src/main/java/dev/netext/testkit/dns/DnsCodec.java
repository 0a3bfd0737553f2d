package dev.netext.testkit.dns;

import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsOptEcsRecord;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsOptEcsRecord;
import io.netty.handler.codec.dns.DnsOptPseudoRecord;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;
import io.netty.handler.codec.dns.DefaultDnsOptEcsRecord;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * DNS messages built and read with Netty's {@code codec-dns}: queries for clients, responses for scripted
 * upstreams, and {@link DnsReply} for assertions. Only for tests; each call uses a fresh embedded pipeline.
 */
public final class DnsCodec {
    private DnsCodec() {}

    private static final InetSocketAddress A = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
    private static final InetSocketAddress B = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2);

    /** How a test query looks: EDNS size -1 for none. */
    public record QuerySpec(int id, String name, int type, boolean recursionDesired, int ednsUdpSize, boolean dnssecOk,
                            byte[] clientSubnet) {
        public static QuerySpec of(int id, String name, DnsType type) {
            return new QuerySpec(id, name, type.code(), true, -1, false, null);
        }
        public QuerySpec withEdns(int udpSize, boolean dnssecOk) {
            return new QuerySpec(id, name, type, recursionDesired, udpSize, dnssecOk, clientSubnet);
        }
        /** An EDNS client-subnet option for a /24 of this IPv4 address. */
        public QuerySpec withClientSubnet(byte[] ipv4) {
            return new QuerySpec(id, name, type, recursionDesired, ednsUdpSize < 0 ? 1232 : ednsUdpSize, dnssecOk, ipv4);
        }
    }

    public static byte[] query(QuerySpec q) {
        DatagramDnsQuery query = new DatagramDnsQuery(A, B, q.id(), DnsOpCode.QUERY);
        query.setRecursionDesired(q.recursionDesired());
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), DnsRecordType.valueOf(q.type())));
        if (q.ednsUdpSize() >= 0) {
            int flags = q.dnssecOk() ? 0x8000 : 0;
            if (q.clientSubnet() != null)
                query.addRecord(DnsSection.ADDITIONAL, new DefaultDnsOptEcsRecord(q.ednsUdpSize(), 0, 0, 24, q.clientSubnet()));
            else
                query.addRecord(DnsSection.ADDITIONAL, new OptRecord(q.ednsUdpSize(), flags));
        }
        return encode(new DatagramDnsQueryEncoder(), query);
    }

    /** An OPT record with flags (Netty's own has none to set the DO bit with). */
    private static final class OptRecord extends AbstractDnsOptPseudoRrRecord {
        OptRecord(int udpSize, int flags) { super(udpSize, 0, 0); this.flagsValue = flags; }
        private final int flagsValue;
        @Override public long timeToLive() { return flagsValue & 0xFFFF; }
    }

    /** A parsed query, for scripted upstreams. */
    public record ParsedQuery(int id, String name, int type, boolean recursionDesired, int ednsUdpSize, boolean dnssecOk,
                              boolean hasClientSubnet) {}

    public static ParsedQuery parseQuery(byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsQueryDecoder());
        try {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), B, A));
            DnsQuery q = ch.readInbound();
            try {
                var question = q.recordAt(DnsSection.QUESTION);
                int udp = -1;
                boolean dok = false;
                boolean ecs = false;
                for (int i = 0; i < q.count(DnsSection.ADDITIONAL); i++) {
                    var r = q.recordAt(DnsSection.ADDITIONAL, i);
                    if (r instanceof DnsOptPseudoRecord opt) {
                        udp = (int) opt.dnsClass();
                        dok = (opt.flags() & 0x8000) != 0;
                        ecs = r instanceof DnsOptEcsRecord;
                    } else if (r.type() == DnsRecordType.OPT) {
                        udp = r.dnsClass();
                        dok = (r.timeToLive() & 0x8000) != 0;
                        if (r instanceof DnsRawRecord raw) ecs = hasOption(raw.content(), 8);
                    }
                }
                return new ParsedQuery(q.id(), stripDot(question.name()), question.type().intValue(), q.isRecursionDesired(), udp, dok, ecs);
            } finally {
                q.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static boolean hasOption(ByteBuf rdata, int code) {
        for (int i = rdata.readerIndex(); i + 4 <= rdata.writerIndex(); ) {
            int c = rdata.getUnsignedShort(i);
            int l = rdata.getUnsignedShort(i + 2);
            if (c == code) return true;
            i += 4 + l;
        }
        return false;
    }

    /** How a scripted response looks. */
    public record ResponseSpec(int id, String questionName, int questionType, int rcode, boolean authoritative,
                               boolean truncated, boolean authenticData, List<DnsRecord> answers,
                               List<DnsRecord> authorities, int ednsUdpSize) {}

    public static byte[] response(ResponseSpec s) {
        DatagramDnsResponse r = new DatagramDnsResponse(B, A, s.id(), DnsOpCode.QUERY, DnsResponseCode.valueOf(s.rcode()));
        r.setAuthoritativeAnswer(s.authoritative());
        r.setTruncated(s.truncated());
        r.setRecursionAvailable(true);
        r.setRecursionDesired(true);
        r.setZ(s.authenticData() ? 2 : 0); // Netty keeps AD and CD in Z: AD is its middle bit
        r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(s.questionName(), DnsRecordType.valueOf(s.questionType())));
        for (DnsRecord a : s.answers()) r.addRecord(DnsSection.ANSWER, raw(a));
        for (DnsRecord a : s.authorities()) r.addRecord(DnsSection.AUTHORITY, raw(a));
        if (s.ednsUdpSize() >= 0) r.addRecord(DnsSection.ADDITIONAL, new OptRecord(s.ednsUdpSize(), 0));
        return encode(new DatagramDnsResponseEncoder(), r);
    }

    /** The datagram's bytes that {@code encoder} makes of {@code message}. */
    private static byte[] encode(ChannelHandler encoder, Object message) {
        EmbeddedChannel ch = new EmbeddedChannel(encoder);
        ch.writeOutbound(message);
        DatagramPacket p = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(p.content());
        p.release();
        ch.finishAndReleaseAll();
        return bytes;
    }

    private static DefaultDnsRawRecord raw(DnsRecord r) {
        return new DefaultDnsRawRecord(r.name().isEmpty() ? "." : r.name() + ".", DnsRecordType.valueOf(r.type().code()),
                r.dnsClass().code(), r.ttl(), Unpooled.wrappedBuffer(r.rdata()));
    }

    /** Decodes a response; throws if Netty cannot. */
    public static DnsReply reply(byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        try {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), A, B));
            DnsResponse r = ch.readInbound();
            if (r == null) throw new IllegalArgumentException("not a response");
            try {
                var q = r.count(DnsSection.QUESTION) > 0 ? r.recordAt(DnsSection.QUESTION) : null;
                OptionalInt udp = OptionalInt.empty();
                boolean dok = false;
                for (int i = 0; i < r.count(DnsSection.ADDITIONAL); i++) {
                    var rec = r.recordAt(DnsSection.ADDITIONAL, i);
                    if (rec.type() == DnsRecordType.OPT) {
                        udp = OptionalInt.of(rec.dnsClass());
                        dok = (rec.timeToLive() & 0x8000) != 0;
                    }
                }
                boolean ad = (bytes[3] & 0x20) != 0;
                return new DnsReply(r.id(), r.code().intValue(), r.isTruncated(), r.isAuthoritativeAnswer(), ad,
                        r.isRecursionAvailable(), q == null ? null : stripDot(q.name()), q == null ? -1 : q.type().intValue(),
                        records(r, DnsSection.ANSWER), records(r, DnsSection.AUTHORITY), udp, dok, bytes.length);
            } finally {
                r.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static List<DnsRecord> records(DnsResponse r, DnsSection section) {
        List<DnsRecord> out = new ArrayList<>();
        for (int i = 0; i < r.count(section); i++) {
            var rec = r.recordAt(section, i);
            byte[] rdata;
            if (rec instanceof DnsRawRecord raw) rdata = ByteBufUtil.getBytes(raw.content());
            else if (rec instanceof DnsPtrRecord ptr) rdata = DnsRecord.encodeName(ptr.hostname());
            else continue;
            String name = stripDot(rec.name());
            out.add(new DnsRecord(name, new DnsType(rec.type().intValue()), new DnsClass(rec.dnsClass()), rec.timeToLive(), rdata));
        }
        return out;
    }

    static String stripDot(String n) { return n.endsWith(".") ? n.substring(0, n.length() - 1) : n; }

    /** SOA RDATA (RFC 1035 §3.3.13) with the given MINIMUM, for negative answers. */
    public static byte[] soaRdata(String zone, long minimum) {
        byte[] mname = DnsRecord.encodeName("ns." + zone);
        byte[] rname = DnsRecord.encodeName("hostmaster." + zone);
        ByteBuffer b = ByteBuffer.allocate(mname.length + rname.length + 20);
        b.put(mname).put(rname).putInt(1).putInt(3600).putInt(600).putInt(86400).putInt((int) minimum);
        return b.array();
    }
}
