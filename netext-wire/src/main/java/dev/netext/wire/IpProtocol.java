package dev.netext.wire;

/**
 * IANA "Assigned Internet Protocol Numbers" used as IPv4 Protocol and IPv6 Next Header values
 * (RFC 791 §3.1, RFC 8200 §3). Plain {@code int}s rather than an enum so the hot path compares without a lookup.
 */
public final class IpProtocol {
    private IpProtocol() {}

    /** IPv6 Hop-by-Hop Options (RFC 8200 §4.3). */
    public static final int HOPOPT = 0;
    /** ICMP for IPv4 (RFC 792). */
    public static final int ICMP = 1;
    /** TCP (RFC 9293). */
    public static final int TCP = 6;
    /** UDP (RFC 768). */
    public static final int UDP = 17;
    /** IPv6 Routing header (RFC 8200 §4.4). */
    public static final int IPV6_ROUTE = 43;
    /** IPv6 Fragment header (RFC 8200 §4.5). */
    public static final int IPV6_FRAG = 44;
    /** Encapsulating Security Payload (RFC 4303): opaque, ends any header walk. */
    public static final int ESP = 50;
    /** Authentication Header (RFC 4302): length in 4-octet units minus 2. */
    public static final int AH = 51;
    /** ICMP for IPv6 (RFC 4443). */
    public static final int ICMPV6 = 58;
    /** IPv6 No Next Header (RFC 8200 §4.7). */
    public static final int IPV6_NONXT = 59;
    /** IPv6 Destination Options (RFC 8200 §4.6). */
    public static final int IPV6_OPTS = 60;
    /** Mobility header (RFC 6275 §6.1): generic extension-header format. */
    public static final int MOBILITY = 135;
    /** Host Identity Protocol (RFC 7401): generic extension-header format. */
    public static final int HIP = 139;
    /** Shim6 (RFC 5533): generic extension-header format. */
    public static final int SHIM6 = 140;

    /**
     * Whether {@code nextHeader} names an IPv6 extension header in the RFC 8200 §4 generic format
     * (Next Header, Hdr Ext Len in 8-octet units not counting the first 8) or the Fragment/AH variants,
     * per the IANA "IPv6 Extension Header Types" registry (RFC 7045 §2). ESP is excluded: its contents are encrypted.
     */
    public static boolean isIpv6ExtensionHeader(int nextHeader) {
        return switch (nextHeader) {
            case HOPOPT, IPV6_ROUTE, IPV6_FRAG, AH, IPV6_OPTS, MOBILITY, HIP, SHIM6 -> true;
            default -> false;
        };
    }
}
