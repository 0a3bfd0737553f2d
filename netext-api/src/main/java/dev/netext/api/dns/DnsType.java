package dev.netext.api.dns;

import java.util.Locale;
import java.util.Map;

/**
 * A DNS RR type (RFC 1035 §3.2.2 and the IANA registry): any 16-bit value, with constants for the common ones. A
 * record rather than an enum so that a query for a type netext has never heard of is still a {@code DnsType}.
 */
public record DnsType(int code) {
    public static final DnsType A = new DnsType(1);
    public static final DnsType NS = new DnsType(2);
    public static final DnsType CNAME = new DnsType(5);
    public static final DnsType SOA = new DnsType(6);
    public static final DnsType PTR = new DnsType(12);
    public static final DnsType MX = new DnsType(15);
    public static final DnsType TXT = new DnsType(16);
    public static final DnsType AAAA = new DnsType(28);
    public static final DnsType SRV = new DnsType(33);
    public static final DnsType OPT = new DnsType(41);
    public static final DnsType SVCB = new DnsType(64);
    public static final DnsType HTTPS = new DnsType(65);
    public static final DnsType ANY = new DnsType(255);

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "A"), Map.entry(2, "NS"), Map.entry(5, "CNAME"), Map.entry(6, "SOA"), Map.entry(12, "PTR"),
            Map.entry(15, "MX"), Map.entry(16, "TXT"), Map.entry(28, "AAAA"), Map.entry(33, "SRV"),
            Map.entry(41, "OPT"), Map.entry(64, "SVCB"), Map.entry(65, "HTTPS"), Map.entry(255, "ANY"));

    public DnsType {
        if (code < 0 || code > 0xFFFF) throw new IllegalArgumentException("RR type " + code + " outside 0..65535");
    }

    /** Parses a mnemonic ({@code AAAA}, case-insensitive) or the generic form {@code TYPE65} (RFC 3597 §5). */
    public static DnsType parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        for (var e : NAMES.entrySet()) if (e.getValue().equals(s)) return new DnsType(e.getKey());
        if (s.startsWith("TYPE") && s.length() > 4 && s.length() <= 9 && s.substring(4).chars().allMatch(Character::isDigit))
            return new DnsType(Integer.parseInt(s.substring(4)));
        throw new IllegalArgumentException("unknown RR type '" + text + "'");
    }

    /** The mnemonic, or {@code TYPEnnn} for types without one here. */
    public String mnemonic() { return NAMES.getOrDefault(code, "TYPE" + code); }

    /** Whether this is A or AAAA: the types a sinkhole answers. */
    public boolean isAddress() { return code == 1 || code == 28; }

    @Override
    public String toString() { return mnemonic(); }
}
