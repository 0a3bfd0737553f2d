package dev.netext.linux.netlink;

/**
 * Constants for links: {@code struct ifinfomsg} and {@code IFF_*} from {@code include/uapi/linux/rtnetlink.h} and
 * {@code linux/if.h}, and the {@code IFLA_*} attributes from {@code include/uapi/linux/if_link.h}, named as there.
 *
 * <pre>
 * struct ifinfomsg { unsigned char ifi_family; unsigned char __ifi_pad; unsigned short ifi_type; int ifi_index;
 *                    unsigned ifi_flags; unsigned ifi_change; };                    // 16 bytes
 * </pre>
 */
public final class IfLinkH {
    private IfLinkH() {}

    /** sizeof(struct ifinfomsg). */
    public static final int IFINFOMSG_SIZE = 16;

    // enum net_device_flags (linux/if.h)
    public static final int IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_DEBUG = 0x4, IFF_LOOPBACK = 0x8,
            IFF_POINTOPOINT = 0x10, IFF_NOTRAILERS = 0x20, IFF_RUNNING = 0x40, IFF_NOARP = 0x80,
            IFF_PROMISC = 0x100, IFF_ALLMULTI = 0x200, IFF_MASTER = 0x400, IFF_SLAVE = 0x800,
            IFF_MULTICAST = 0x1000, IFF_PORTSEL = 0x2000, IFF_AUTOMEDIA = 0x4000, IFF_DYNAMIC = 0x8000,
            IFF_LOWER_UP = 0x10000, IFF_DORMANT = 0x20000, IFF_ECHO = 0x40000;

    // IFLA_* (if_link.h)
    public static final int IFLA_UNSPEC = 0, IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4,
            IFLA_LINK = 5, IFLA_QDISC = 6, IFLA_STATS = 7, IFLA_MASTER = 10, IFLA_TXQLEN = 13,
            IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_LINKINFO = 18, IFLA_IFALIAS = 20, IFLA_GROUP = 27,
            IFLA_NET_NS_FD = 28, IFLA_EXT_MASK = 29, IFLA_PROMISCUITY = 30, IFLA_CARRIER = 33,
            IFLA_MIN_MTU = 50, IFLA_MAX_MTU = 51, IFLA_ALT_IFNAME = 53;

    // IFLA_INFO_* nested in IFLA_LINKINFO
    public static final int IFLA_INFO_UNSPEC = 0, IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_XSTATS = 3,
            IFLA_INFO_SLAVE_KIND = 4, IFLA_INFO_SLAVE_DATA = 5;

    /**
     * {@code ip link}'s rendering of {@code ifi_flags}, e.g. {@code BROADCAST,MULTICAST,UP,LOWER_UP}, in iproute2's
     * order ({@code print_link_flags}); {@code NO-CARRIER} leads when the link is up without {@code IFF_RUNNING}.
     */
    public static String flagsToString(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & IFF_UP) != 0 && (flags & IFF_RUNNING) == 0) sb.append("NO-CARRIER,");
        int[] bits = {IFF_LOOPBACK, IFF_BROADCAST, IFF_POINTOPOINT, IFF_MULTICAST, IFF_NOARP, IFF_ALLMULTI,
                IFF_PROMISC, IFF_NOTRAILERS, IFF_DEBUG, IFF_DYNAMIC, IFF_AUTOMEDIA, IFF_PORTSEL, IFF_MASTER,
                IFF_SLAVE, IFF_UP, IFF_LOWER_UP, IFF_DORMANT, IFF_ECHO};
        String[] names = {"LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI", "PROMISC",
                "NOTRAILERS", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "MASTER", "SLAVE", "UP", "LOWER_UP",
                "DORMANT", "ECHO"};
        for (int i = 0; i < bits.length; i++) if ((flags & bits[i]) != 0) sb.append(names[i]).append(',');
        if (!sb.isEmpty()) sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
