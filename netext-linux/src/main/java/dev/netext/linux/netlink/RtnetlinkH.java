package dev.netext.linux.netlink;

/**
 * Constants from {@code include/uapi/linux/rtnetlink.h}, named as there: message types, multicast groups, and the
 * {@code struct rtmsg} fields and {@code enum rtattr_type_t} attributes of routes.
 *
 * <pre>
 * struct rtmsg { unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos, rtm_table, rtm_protocol, rtm_scope,
 *                rtm_type; unsigned rtm_flags; };                                   // 12 bytes
 * struct rtgenmsg { unsigned char rtgen_family; };
 * </pre>
 */
public final class RtnetlinkH {
    private RtnetlinkH() {}

    /** sizeof(struct rtmsg). */
    public static final int RTMSG_SIZE = 12;

    // message types
    public static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    public static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public static final int RTM_NEWRULE = 32, RTM_DELRULE = 33, RTM_GETRULE = 34;

    // rtm_type
    public static final int RTN_UNSPEC = 0, RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BROADCAST = 3, RTN_ANYCAST = 4,
            RTN_MULTICAST = 5, RTN_BLACKHOLE = 6, RTN_UNREACHABLE = 7, RTN_PROHIBIT = 8, RTN_THROW = 9, RTN_NAT = 10,
            RTN_XRESOLVE = 11;

    // rtm_protocol
    public static final int RTPROT_UNSPEC = 0, RTPROT_REDIRECT = 1, RTPROT_KERNEL = 2, RTPROT_BOOT = 3,
            RTPROT_STATIC = 4, RTPROT_RA = 9, RTPROT_DHCP = 16, RTPROT_KEEPALIVED = 18, RTPROT_BABEL = 42,
            RTPROT_BGP = 186, RTPROT_OSPF = 188;

    // enum rt_scope_t
    public static final int RT_SCOPE_UNIVERSE = 0, RT_SCOPE_SITE = 200, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254,
            RT_SCOPE_NOWHERE = 255;

    // rtm_flags
    public static final int RTM_F_NOTIFY = 0x100, RTM_F_CLONED = 0x200, RTM_F_EQUALIZE = 0x400,
            RTM_F_PREFIX = 0x800, RTM_F_LOOKUP_TABLE = 0x1000, RTM_F_FIB_MATCH = 0x2000;

    // enum rt_class_t
    public static final int RT_TABLE_UNSPEC = 0, RT_TABLE_COMPAT = 252, RT_TABLE_DEFAULT = 253,
            RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;

    // enum rtattr_type_t
    public static final int RTA_UNSPEC = 0, RTA_DST = 1, RTA_SRC = 2, RTA_IIF = 3, RTA_OIF = 4, RTA_GATEWAY = 5,
            RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_METRICS = 8, RTA_MULTIPATH = 9, RTA_PROTOINFO = 10, RTA_FLOW = 11,
            RTA_CACHEINFO = 12, RTA_SESSION = 13, RTA_MP_ALGO = 14, RTA_TABLE = 15, RTA_MARK = 16,
            RTA_MFC_STATS = 17, RTA_VIA = 18, RTA_NEWDST = 19, RTA_PREF = 20, RTA_ENCAP_TYPE = 21, RTA_ENCAP = 22,
            RTA_EXPIRES = 23, RTA_PAD = 24, RTA_UID = 25, RTA_TTL_PROPAGATE = 26, RTA_IP_PROTO = 27,
            RTA_SPORT = 28, RTA_DPORT = 29, RTA_NH_ID = 30;

    // RTMGRP_* multicast group bitmasks for sockaddr_nl.nl_groups
    public static final int RTMGRP_LINK = 0x1, RTMGRP_NOTIFY = 0x2, RTMGRP_NEIGH = 0x4, RTMGRP_TC = 0x8,
            RTMGRP_IPV4_IFADDR = 0x10, RTMGRP_IPV4_MROUTE = 0x20, RTMGRP_IPV4_ROUTE = 0x40,
            RTMGRP_IPV4_RULE = 0x80, RTMGRP_IPV6_IFADDR = 0x100, RTMGRP_IPV6_MROUTE = 0x200,
            RTMGRP_IPV6_ROUTE = 0x400, RTMGRP_IPV6_IFINFO = 0x800;

    /** Name of an rtnetlink message type, e.g. {@code "RTM_NEWROUTE"}, for error messages. */
    public static String typeName(int type) {
        return switch (type) {
            case RTM_NEWLINK -> "RTM_NEWLINK"; case RTM_DELLINK -> "RTM_DELLINK"; case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_SETLINK -> "RTM_SETLINK"; case RTM_NEWADDR -> "RTM_NEWADDR"; case RTM_DELADDR -> "RTM_DELADDR";
            case RTM_GETADDR -> "RTM_GETADDR"; case RTM_NEWROUTE -> "RTM_NEWROUTE";
            case RTM_DELROUTE -> "RTM_DELROUTE"; case RTM_GETROUTE -> "RTM_GETROUTE";
            case RTM_NEWRULE -> "RTM_NEWRULE"; case RTM_DELRULE -> "RTM_DELRULE"; case RTM_GETRULE -> "RTM_GETRULE";
            default -> {
                String c = NetlinkH.controlTypeName(type);
                yield c != null ? c : "type " + type;
            }
        };
    }
}
