package dev.netext.linux.netlink;

/**
 * Constants from {@code include/uapi/linux/if_addr.h}, named as there.
 *
 * <pre>
 * struct ifaddrmsg { __u8 ifa_family; __u8 ifa_prefixlen; __u8 ifa_flags; __u8 ifa_scope; __u32 ifa_index; }; // 8
 * </pre>
 */
public final class IfAddrH {
    private IfAddrH() {}

    /** sizeof(struct ifaddrmsg). */
    public static final int IFADDRMSG_SIZE = 8;

    public static final int IFA_UNSPEC = 0, IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4,
            IFA_ANYCAST = 5, IFA_CACHEINFO = 6, IFA_MULTICAST = 7, IFA_FLAGS = 8, IFA_RT_PRIORITY = 9,
            IFA_TARGET_NETNSID = 10, IFA_PROTO = 11;

    public static final int IFA_F_SECONDARY = 0x01, IFA_F_TEMPORARY = IFA_F_SECONDARY, IFA_F_NODAD = 0x02,
            IFA_F_OPTIMISTIC = 0x04, IFA_F_DADFAILED = 0x08, IFA_F_HOMEADDRESS = 0x10, IFA_F_DEPRECATED = 0x20,
            IFA_F_TENTATIVE = 0x40, IFA_F_PERMANENT = 0x80, IFA_F_MANAGETEMPADDR = 0x100,
            IFA_F_NOPREFIXROUTE = 0x200, IFA_F_MCAUTOJOIN = 0x400, IFA_F_STABLE_PRIVACY = 0x800;
}
