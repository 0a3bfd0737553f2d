package dev.netext.linux.nfqueue;

/**
 * Constants from {@code include/uapi/linux/netfilter/nfnetlink.h}, named as there. Every nfnetlink message carries,
 * after the {@code struct nlmsghdr}, a {@code struct nfgenmsg}; its {@code nlmsg_type} is the subsystem in the high
 * byte and the subsystem's message type in the low byte ({@code NFNL_SUBSYS_ID}, {@code NFNL_MSG_TYPE}).
 *
 * <pre>
 * struct nfgenmsg { __u8 nfgen_family; __u8 version; __be16 res_id; };   // res_id: the queue number for NFQUEUE
 * </pre>
 * Attribute values of nfnetlink subsystems are in network byte order, unlike rtnetlink's.
 */
public final class NfnetlinkH {
    private NfnetlinkH() {}

    /** Protocol of the netfilter netlink socket, {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)} (netlink.h). */
    public static final int NETLINK_NETFILTER = 12;

    /** sizeof(struct nfgenmsg). */
    public static final int NFGENMSG_LEN = 4;
    public static final int NFNETLINK_V0 = 0;

    public static final int NFNL_SUBSYS_CTNETLINK = 1, NFNL_SUBSYS_QUEUE = 3;

    /** {@code (subsys << 8) | msg}: the {@code nlmsg_type} of subsystem message {@code msg}. */
    public static int type(int subsys, int msg) { return (subsys << 8) | msg; }

    /** {@code NFNL_SUBSYS_ID(x)}. */
    public static int subsysId(int nlmsgType) { return (nlmsgType & 0xff00) >> 8; }

    /** {@code NFNL_MSG_TYPE(x)}. */
    public static int msgType(int nlmsgType) { return nlmsgType & 0x00ff; }
}
