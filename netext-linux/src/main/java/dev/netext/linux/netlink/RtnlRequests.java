package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import static dev.netext.linux.netlink.FibRulesH.*;
import static dev.netext.linux.netlink.IfAddrH.*;
import static dev.netext.linux.netlink.IfLinkH.*;
import static dev.netext.linux.netlink.NetlinkH.*;
import static dev.netext.linux.netlink.RtnetlinkH.*;

/**
 * The rtnetlink requests {@link RtNetlink} sends, laid out as iproute2 lays them out, kept apart from the socket so
 * that their bytes can be checked without a kernel. Sequence number and port id are filled in at send time.
 */
final class RtnlRequests {
    private RtnlRequests() {}

    static final int NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    static final int REPLACE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    static final int CHANGE = NLM_F_REQUEST | NLM_F_ACK;
    static final int DUMP = NLM_F_REQUEST | NLM_F_DUMP;

    // struct ifinfomsg
    private static NlMessageBuilder ifinfomsg(int type, int flags, int index, int ifiFlags, int ifiChange) {
        return new NlMessageBuilder(type, flags).u8(RtNames.AF_UNSPEC).u8(0).u16(0).u32(index).u32(ifiFlags)
                .u32(ifiChange);
    }

    static NlMessageBuilder dumpLinks() { return ifinfomsg(RTM_GETLINK, DUMP, 0, 0, 0); }

    static NlMessageBuilder getLink(int index) { return ifinfomsg(RTM_GETLINK, NLM_F_REQUEST, index, 0, 0); }

    static NlMessageBuilder getLink(String name) {
        return ifinfomsg(RTM_GETLINK, NLM_F_REQUEST, 0, 0, 0).attrString(IFLA_IFNAME, name);
    }

    /** {@code ip link set dev X up|down}: ifi_change selects IFF_UP, ifi_flags sets or clears it. */
    static NlMessageBuilder setLinkUp(int index, boolean up) {
        return ifinfomsg(RTM_NEWLINK, CHANGE, index, up ? IFF_UP : 0, IFF_UP);
    }

    static NlMessageBuilder setMtu(int index, int mtu) {
        return ifinfomsg(RTM_NEWLINK, CHANGE, index, 0, 0).attrU32(IFLA_MTU, mtu);
    }

    static NlMessageBuilder deleteLink(int index) { return ifinfomsg(RTM_DELLINK, CHANGE, index, 0, 0); }

    // struct ifaddrmsg
    static NlMessageBuilder dumpAddresses() {
        return new NlMessageBuilder(RTM_GETADDR, DUMP).u8(RtNames.AF_UNSPEC).u8(0).u8(0).u8(0).u32(0);
    }

    /**
     * {@code ip addr add}: IPv4 carries the address as both IFA_LOCAL and IFA_ADDRESS (no peer); IPv6 as IFA_ADDRESS
     * with IFA_F_NODAD in IFA_FLAGS (and ifa_flags), so that it is usable at once instead of tentative.
     */
    static NlMessageBuilder address(int type, int flags, int index, IpPrefix p) {
        boolean v4 = p.family() == IpFamily.V4;
        int ifaFlags = v4 || type != RTM_NEWADDR ? 0 : IFA_F_NODAD;
        NlMessageBuilder b = new NlMessageBuilder(type, flags).u8(RtNames.af(p.family())).u8(p.length())
                .u8(ifaFlags).u8(RT_SCOPE_UNIVERSE).u32(index);
        if (v4) b.attrAddress(IFA_LOCAL, p.address());
        b.attrAddress(IFA_ADDRESS, p.address());
        if (ifaFlags != 0) b.attrU32(IFA_FLAGS, ifaFlags);
        return b;
    }

    // struct rtmsg
    private static NlMessageBuilder rtmsg(int type, int flags, IpFamily family, int dstLen, int table, int protocol,
                                          int scope, int rtType) {
        return new NlMessageBuilder(type, flags).u8(RtNames.af(family)).u8(dstLen).u8(0).u8(0)
                .u8(table < 256 && table >= 0 ? table : RT_TABLE_UNSPEC).u8(protocol).u8(scope).u8(rtType).u32(0);
    }

    static NlMessageBuilder dumpRoutes(IpFamily family) {
        return rtmsg(RTM_GETROUTE, DUMP, family, 0, 0, 0, 0, 0);
    }

    /** RTM_NEWROUTE with {@code flags} ({@link #NEW} or {@link #REPLACE}). */
    static NlMessageBuilder newRoute(int flags, Route r) {
        return routeAttrs(rtmsg(RTM_NEWROUTE, flags, r.family(), r.destination().length(), r.table(), r.protocol(),
                r.effectiveScope(), r.type().value()), r);
    }

    /**
     * RTM_DELROUTE as {@code ip route del} sends it: scope RT_SCOPE_NOWHERE and protocol 0 match any, type only
     * when not unicast; destination, table, gateway, device and metric narrow the match.
     */
    static NlMessageBuilder deleteRoute(Route r) {
        int type = r.type() == Route.Type.UNICAST ? RTN_UNSPEC : r.type().value();
        int scope = r.scope() >= 0 ? r.scope() : RT_SCOPE_NOWHERE;
        return routeAttrs(rtmsg(RTM_DELROUTE, CHANGE, r.family(), r.destination().length(), r.table(), 0, scope,
                type), r);
    }

    private static NlMessageBuilder routeAttrs(NlMessageBuilder b, Route r) {
        b.attrU32(RTA_TABLE, r.table());
        if (r.destination().length() > 0) b.attrAddress(RTA_DST, r.destination().address());
        if (r.gateway() != null) b.attrAddress(RTA_GATEWAY, r.gateway());
        if (r.outputInterface() != 0) b.attrU32(RTA_OIF, r.outputInterface());
        if (r.metric() != 0) b.attrU32(RTA_PRIORITY, r.metric());
        if (r.preferredSource() != null) b.attrAddress(RTA_PREFSRC, r.preferredSource());
        return b;
    }

    // struct fib_rule_hdr
    static NlMessageBuilder dumpRules(IpFamily family) {
        return new NlMessageBuilder(RTM_GETRULE, DUMP).u8(RtNames.af(family)).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
                .u8(0).u32(0);
    }

    /** RTM_NEWRULE ({@link #NEW}) or RTM_DELRULE ({@link #CHANGE}); only the fields that are set are sent. */
    static NlMessageBuilder rule(int type, int flags, Rule r) {
        int table = r.table();
        NlMessageBuilder b = new NlMessageBuilder(type, flags).u8(RtNames.af(r.family()))
                .u8(r.to() == null ? 0 : r.to().length()).u8(r.from() == null ? 0 : r.from().length()).u8(0)
                .u8(table > 0 && table < 256 ? table : RT_TABLE_UNSPEC).u8(0).u8(0).u8(r.action().value())
                .u32(r.invert() ? FIB_RULE_INVERT : 0);
        if (r.priority() != -1) b.attrU32(FRA_PRIORITY, r.priority());
        if (r.from() != null) b.attrAddress(FRA_SRC, r.from().address());
        if (r.to() != null) b.attrAddress(FRA_DST, r.to().address());
        if (r.iifName() != null) b.attrString(FRA_IIFNAME, r.iifName());
        if (r.oifName() != null) b.attrString(FRA_OIFNAME, r.oifName());
        if (r.fwmark() != 0 || r.fwmask() != 0) {
            b.attrU32(FRA_FWMARK, r.fwmark());
            b.attrU32(FRA_FWMASK, r.fwmask());
        }
        if (table != 0) b.attrU32(FRA_TABLE, table);
        if (r.suppressPrefixLength() != -1) b.attrU32(FRA_SUPPRESS_PREFIXLEN, r.suppressPrefixLength());
        if (r.action() == Rule.Action.GOTO) b.attrU32(FRA_GOTO, r.gotoTarget());
        return b;
    }
}
