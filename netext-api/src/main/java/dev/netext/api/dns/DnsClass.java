package dev.netext.api.dns;

/** A DNS class (RFC 1035 §3.2.4). Practically always {@link #IN}; a record so unusual values survive. */
public record DnsClass(int code) {
    public static final DnsClass IN = new DnsClass(1);
    public static final DnsClass CH = new DnsClass(3);
    public static final DnsClass HS = new DnsClass(4);
    public static final DnsClass ANY = new DnsClass(255);

    public DnsClass {
        if (code < 0 || code > 0xFFFF) throw new IllegalArgumentException("class " + code + " outside 0..65535");
    }

    @Override
    public String toString() {
        return switch (code) {
            case 1 -> "IN";
            case 3 -> "CH";
            case 4 -> "HS";
            case 255 -> "ANY";
            default -> "CLASS" + code;
        };
    }
}
