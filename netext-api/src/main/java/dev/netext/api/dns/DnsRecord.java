package dev.netext.api.dns;

import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A resource record a provider answers with (RFC 1035 §3.2.1), with its RDATA in wire form so any type can be
 * answered. The factories build the common types correctly so providers never hand-encode RDATA; the host
 * writes the owner name and compresses as it likes.
 *
 * <p>The RDATA array is copied in and out: a record is immutable, and {@link #equals} compares its bytes.
 *
 * @param name  owner name, normalized
 * @param ttl   seconds, 0..2147483647 (RFC 2181 §8)
 * @param rdata the RDATA in wire form, at most 65535 bytes; names inside it uncompressed
 */
public record DnsRecord(String name, DnsType type, DnsClass dnsClass, long ttl, byte[] rdata) {

    public static final long MAX_TTL = Integer.MAX_VALUE;

    public DnsRecord {
        name = DomainName.normalize(name);
        if (type == null || dnsClass == null) throw new IllegalArgumentException("type and class are required");
        if (type.equals(DnsType.OPT) || type.equals(DnsType.ANY))
            throw new IllegalArgumentException(type + " is not a record type an answer can carry");
        if (ttl < 0 || ttl > MAX_TTL) throw new IllegalArgumentException("ttl " + ttl + " outside 0.." + MAX_TTL);
        if (rdata == null) throw new IllegalArgumentException("rdata is null");
        if (rdata.length > 0xFFFF) throw new IllegalArgumentException("rdata of " + rdata.length + " bytes exceeds 65535");
        rdata = rdata.clone();
    }

    /** A copy of the RDATA. */
    @Override
    public byte[] rdata() { return rdata.clone(); }

    public int rdataLength() { return rdata.length; }

    /** An A record. */
    public static DnsRecord a(String name, long ttl, Inet4Address address) {
        return new DnsRecord(name, DnsType.A, DnsClass.IN, ttl, address.getAddress());
    }

    /**
     * An AAAA record. An IPv4-mapped address given as {@code Inet6Address} cannot occur: Java turns
     * {@code ::ffff:a.b.c.d} into an {@code Inet4Address}, which {@link #address} routes to A.
     */
    public static DnsRecord aaaa(String name, long ttl, Inet6Address address) {
        return new DnsRecord(name, DnsType.AAAA, DnsClass.IN, ttl, address.getAddress());
    }

    /** An A or AAAA record, by the address's family. */
    public static DnsRecord address(String name, long ttl, InetAddress address) {
        return switch (address) {
            case Inet4Address v4 -> a(name, ttl, v4);
            case Inet6Address v6 -> aaaa(name, ttl, v6);
            default -> throw new IllegalArgumentException("not an IP address: " + address);
        };
    }

    /** A CNAME record pointing at {@code target}. */
    public static DnsRecord cname(String name, long ttl, String target) {
        return new DnsRecord(name, DnsType.CNAME, DnsClass.IN, ttl, encodeName(target));
    }

    /** A PTR record pointing at {@code target}. */
    public static DnsRecord ptr(String name, long ttl, String target) {
        return new DnsRecord(name, DnsType.PTR, DnsClass.IN, ttl, encodeName(target));
    }

    /**
     * A TXT record of one or more character-strings (RFC 1035 §3.3.14), each UTF-8 and at most 255 bytes. Use
     * {@link #txtSplitting} for a long value such as a DKIM key.
     */
    public static DnsRecord txt(String name, long ttl, List<String> strings) {
        if (strings.isEmpty()) throw new IllegalArgumentException("TXT needs at least one string");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 255)
                throw new IllegalArgumentException("TXT string of " + b.length + " bytes exceeds 255; use txtSplitting");
            out.write(b.length);
            out.writeBytes(b);
        }
        return new DnsRecord(name, DnsType.TXT, DnsClass.IN, ttl, out.toByteArray());
    }

    public static DnsRecord txt(String name, long ttl, String... strings) {
        return txt(name, ttl, List.of(strings));
    }

    /** A TXT record holding {@code value} cut into 255-byte character-strings (whole UTF-8 sequences kept together). */
    public static DnsRecord txtSplitting(String name, long ttl, String value) {
        byte[] all = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        do {
            int end = Math.min(all.length, i + 255);
            while (end < all.length && end > i && (all[end] & 0xC0) == 0x80) end--; // don't split a code point
            out.write(end - i);
            out.write(all, i, end - i);
            i = end;
        } while (i < all.length);
        return new DnsRecord(name, DnsType.TXT, DnsClass.IN, ttl, out.toByteArray());
    }

    /** The address of an A or AAAA record. */
    public Optional<InetAddress> addressValue() {
        if (!type.isAddress() || rdata.length != (type.equals(DnsType.A) ? 4 : 16)) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByAddress(rdata));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** This record with another TTL: answers from a cache count down. */
    public DnsRecord withTtl(long ttl) { return new DnsRecord(name, type, dnsClass, ttl, rdata); }

    /**
     * A name in uncompressed wire form (RFC 1035 §3.1): length-prefixed labels ending with the zero-length root.
     */
    public static byte[] encodeName(String name) {
        String n = DomainName.normalize(name);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n.length() + 2);
        if (!n.isEmpty()) {
            for (String label : n.split("\\.")) {
                byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                out.write(b.length);
                out.writeBytes(b);
            }
        }
        out.write(0);
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnsRecord r && name.equals(r.name) && type.equals(r.type) && dnsClass.equals(r.dnsClass)
                && ttl == r.ttl && Arrays.equals(rdata, r.rdata);
    }

    @Override
    public int hashCode() { return (((name.hashCode() * 31 + type.hashCode()) * 31 + dnsClass.hashCode()) * 31 + Long.hashCode(ttl)) * 31 + Arrays.hashCode(rdata); }

    @Override
    public String toString() {
        String value = addressValue().map(IpPrefix::format).orElseGet(() -> "\\# " + rdata.length + " " + HexFormat.of().formatHex(rdata));
        return name + ". " + ttl + " " + dnsClass + " " + type + " " + value;
    }
}
