package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static dev.netext.linux.netlink.RtnetlinkH.*;

/** Families, names as {@code ip} prints them (iproute2's rt_tables, rt_protos, rt_scopes), and small decoders. */
final class RtNames {
    private RtNames() {}

    static final int AF_INET = 2, AF_INET6 = 10, AF_UNSPEC = 0;

    static int af(IpFamily f) { return f == IpFamily.V4 ? AF_INET : AF_INET6; }

    /** The family for an {@code AF_*} value, or null for any other. */
    static IpFamily family(int af) {
        return af == AF_INET ? IpFamily.V4 : af == AF_INET6 ? IpFamily.V6 : null;
    }

    static String table(int t) {
        return switch (t) {
            case RT_TABLE_MAIN -> "main";
            case RT_TABLE_LOCAL -> "local";
            case RT_TABLE_DEFAULT -> "default";
            default -> Integer.toUnsignedString(t);
        };
    }

    static String protocol(int p) {
        return switch (p) {
            case RTPROT_UNSPEC -> "unspec"; case RTPROT_REDIRECT -> "redirect"; case RTPROT_KERNEL -> "kernel";
            case RTPROT_BOOT -> "boot"; case RTPROT_STATIC -> "static"; case RTPROT_RA -> "ra";
            case RTPROT_DHCP -> "dhcp"; case RTPROT_KEEPALIVED -> "keepalived"; case RTPROT_BABEL -> "babel";
            case RTPROT_BGP -> "bgp"; case RTPROT_OSPF -> "ospf";
            default -> Integer.toString(p);
        };
    }

    static String scope(int s) {
        return switch (s) {
            case RT_SCOPE_UNIVERSE -> "global"; case RT_SCOPE_SITE -> "site"; case RT_SCOPE_LINK -> "link";
            case RT_SCOPE_HOST -> "host"; case RT_SCOPE_NOWHERE -> "nowhere";
            default -> Integer.toString(s);
        };
    }

    /** An address of {@code family}: the attribute's value, or all zeros when absent; wrong sizes are format errors. */
    static InetAddress addressOr0(NlAttributes attrs, int type, IpFamily family) {
        InetAddress a = attrs.address(type);
        if (a == null) {
            try {
                return InetAddress.getByAddress(new byte[family.bytes()]);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        requireFamily(a, family, type);
        return a;
    }

    static InetAddress addressOrNull(NlAttributes attrs, int type, IpFamily family) {
        InetAddress a = attrs.address(type);
        if (a != null) requireFamily(a, family, type);
        return a;
    }

    private static void requireFamily(InetAddress a, IpFamily family, int type) {
        if (IpFamily.of(a) != family)
            throw new NetlinkFormatException("attribute " + type + " holds an " + IpFamily.of(a) + " address in an "
                    + family + " message");
    }

    static IpPrefix prefix(InetAddress a, int len) {
        if (len > IpFamily.of(a).bits())
            throw new NetlinkFormatException("prefix length " + len + " too long for " + IpFamily.of(a));
        return new IpPrefix(a, len);
    }

    static String addr(InetAddress a) { return IpPrefix.format(a); }
}
