package dev.netext.linux.netlink;

/**
 * Constants from {@code include/uapi/linux/netlink.h}, named as there: the message header, its flags, the control
 * message types, the extended-ACK attributes and the socket options at {@code SOL_NETLINK}.
 *
 * <pre>
 * struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; };
 * struct nlmsgerr { int error; struct nlmsghdr msg; };   // then the request's payload unless NLM_F_CAPPED, then TLVs
 * struct nlattr   { __u16 nla_len; __u16 nla_type; };
 * </pre>
 */
public final class NetlinkH {
    private NetlinkH() {}

    /** Protocol of the routing socket, {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)}. */
    public static final int NETLINK_ROUTE = 0;

    /** {@code NLMSG_ALIGNTO} and {@code NLA_ALIGNTO}: messages and attributes start on 4-byte boundaries. */
    public static final int NLMSG_ALIGNTO = 4, NLA_ALIGNTO = 4;
    /** {@code NLMSG_HDRLEN}: sizeof(struct nlmsghdr). */
    public static final int NLMSG_HDRLEN = 16;
    /** {@code NLA_HDRLEN}: sizeof(struct nlattr). */
    public static final int NLA_HDRLEN = 4;

    // nlmsg_flags
    public static final int NLM_F_REQUEST = 0x01, NLM_F_MULTI = 0x02, NLM_F_ACK = 0x04, NLM_F_ECHO = 0x08,
            NLM_F_DUMP_INTR = 0x10, NLM_F_DUMP_FILTERED = 0x20;
    /** Modifiers to GET requests. */
    public static final int NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_ATOMIC = 0x400,
            NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    /** Modifiers to NEW requests. */
    public static final int NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
    /** Modifiers to DELETE requests. */
    public static final int NLM_F_NONREC = 0x100, NLM_F_BULK = 0x200;
    /** Flags for ACK (NLMSG_ERROR) messages. */
    public static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;

    // control message types
    public static final int NLMSG_NOOP = 0x1, NLMSG_ERROR = 0x2, NLMSG_DONE = 0x3, NLMSG_OVERRUN = 0x4;
    /** Types below this are control messages. */
    public static final int NLMSG_MIN_TYPE = 0x10;

    // enum nlmsgerr_attrs
    public static final int NLMSGERR_ATTR_UNUSED = 0, NLMSGERR_ATTR_MSG = 1, NLMSGERR_ATTR_OFFS = 2,
            NLMSGERR_ATTR_COOKIE = 3, NLMSGERR_ATTR_POLICY = 4, NLMSGERR_ATTR_MISS_TYPE = 5,
            NLMSGERR_ATTR_MISS_NEST = 6;

    // socket options at SOL_NETLINK
    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2, NETLINK_NO_ENOBUFS = 5,
            NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12;

    // nla_type bits
    public static final int NLA_F_NESTED = 1 << 15, NLA_F_NET_BYTEORDER = 1 << 14,
            NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF;

    /** {@code NLMSG_ALIGN(len)} and {@code NLA_ALIGN(len)}. */
    public static int align(int len) {
        return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
    }

    /** Name of a control message type, or null. */
    static String controlTypeName(int type) {
        return switch (type) {
            case NLMSG_NOOP -> "NLMSG_NOOP";
            case NLMSG_ERROR -> "NLMSG_ERROR";
            case NLMSG_DONE -> "NLMSG_DONE";
            case NLMSG_OVERRUN -> "NLMSG_OVERRUN";
            default -> null;
        };
    }
}
