package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;

import static dev.netext.linux.netlink.IfAddrH.*;

/**
 * An interface address as {@code RTM_NEWADDR} describes it ({@code struct ifaddrmsg} and {@code IFA_*} from
 * {@code linux/if_addr.h}).
 *
 * @param linkIndex {@code ifa_index}
 * @param prefix    the local address with {@code ifa_prefixlen}
 * @param scope     {@code ifa_scope}, an {@code RT_SCOPE_*} value
 * @param flags     {@code IFA_FLAGS} if present, else {@code ifa_flags}: {@code IFA_F_*}
 * @param label     {@code IFA_LABEL} (IPv4 only), or null
 */
public record Address(int linkIndex, IpPrefix prefix, int scope, int flags, String label) {

    public IpFamily family() { return prefix.family(); }

    /** Decodes {@code RTM_NEWADDR}/{@code RTM_DELADDR}; null for families other than IPv4 and IPv6. */
    static Address decode(NlMessage m) {
        m.requirePayload(IFADDRMSG_SIZE);
        var p = m.payload();
        IpFamily family = RtNames.family(Byte.toUnsignedInt(p.get(0)));
        if (family == null) return null;
        int prefixLen = Byte.toUnsignedInt(p.get(1));
        int flags8 = Byte.toUnsignedInt(p.get(2));
        int scope = Byte.toUnsignedInt(p.get(3));
        int index = p.getInt(4);
        NlAttributes a = m.attributes(IFADDRMSG_SIZE);
        // IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer; IPv6: IFA_ADDRESS, IFA_LOCAL only with a peer.
        int first = family == IpFamily.V4 ? IFA_LOCAL : IFA_ADDRESS;
        int second = family == IpFamily.V4 ? IFA_ADDRESS : IFA_LOCAL;
        InetAddress addr = RtNames.addressOrNull(a, first, family);
        if (addr == null) addr = RtNames.addressOr0(a, second, family);
        int flags = a.u32(IFA_FLAGS, flags8);
        return new Address(index, RtNames.prefix(addr, prefixLen), scope, flags, a.string(IFA_LABEL));
    }

    /** Like {@code ip addr}: {@code inet6 fd00::1/64 scope global nodad} (plus {@code dev #N} or the label). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(family() == IpFamily.V4 ? "inet " : "inet6 ");
        sb.append(prefix).append(" scope ").append(RtNames.scope(scope));
        if ((flags & IFA_F_SECONDARY) != 0) sb.append(family() == IpFamily.V4 ? " secondary" : " temporary");
        if ((flags & IFA_F_NODAD) != 0) sb.append(" nodad");
        if ((flags & IFA_F_TENTATIVE) != 0) sb.append(" tentative");
        if ((flags & IFA_F_DADFAILED) != 0) sb.append(" dadfailed");
        if ((flags & IFA_F_DEPRECATED) != 0) sb.append(" deprecated");
        if ((flags & IFA_F_NOPREFIXROUTE) != 0) sb.append(" noprefixroute");
        sb.append(label != null ? " " + label : " dev #" + linkIndex);
        return sb.toString();
    }
}
