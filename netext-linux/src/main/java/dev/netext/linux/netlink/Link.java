package dev.netext.linux.netlink;

import static dev.netext.linux.netlink.IfLinkH.*;

/**
 * A network interface as {@code RTM_NEWLINK} describes it ({@code struct ifinfomsg} and {@code IFLA_*} from
 * {@code linux/if_link.h}).
 *
 * @param index ifindex
 * @param name  {@code IFLA_IFNAME}
 * @param flags {@code ifi_flags}, the {@code IFF_*} bits of {@code linux/if.h}
 * @param mtu   {@code IFLA_MTU}, 0 if absent
 * @param kind  {@code IFLA_INFO_KIND} inside {@code IFLA_LINKINFO} ("veth", "tun", "wireguard"…), or null for
 *              links without one (loopback, physical devices)
 */
public record Link(int index, String name, int flags, int mtu, String kind) {

    public boolean up() { return (flags & IFF_UP) != 0; }

    /** {@code IFF_RUNNING}: up with carrier (operationally usable). */
    public boolean running() { return (flags & IFF_RUNNING) != 0; }

    public boolean pointToPoint() { return (flags & IFF_POINTOPOINT) != 0; }

    public boolean loopback() { return (flags & IFF_LOOPBACK) != 0; }

    /** Decodes an {@code RTM_NEWLINK} or {@code RTM_DELLINK} message. */
    static Link decode(NlMessage m) {
        m.requirePayload(IFINFOMSG_SIZE);
        var p = m.payload();
        int index = p.getInt(4);
        int flags = p.getInt(8);
        NlAttributes a = m.attributes(IFINFOMSG_SIZE);
        String name = a.string(IFLA_IFNAME);
        int mtu = a.u32(IFLA_MTU, 0);
        NlAttributes info = a.nested(IFLA_LINKINFO);
        String kind = info == null ? null : info.string(IFLA_INFO_KIND);
        return new Link(index, name == null ? "" : name, flags, mtu, kind);
    }

    /** Like {@code ip -d link}: {@code 3: va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 veth}. */
    @Override
    public String toString() {
        return index + ": " + name + ": <" + flagsToString(flags) + "> mtu " + mtu + (kind == null ? "" : " " + kind);
    }
}
