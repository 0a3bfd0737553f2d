package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.util.Locale;

import static dev.netext.linux.netlink.RtnetlinkH.*;

/**
 * A route as {@code RTM_NEWROUTE} describes it ({@code struct rtmsg} and {@code RTA_*} from
 * {@code linux/rtnetlink.h}). Build one with {@link #to} and the {@code with…} methods:
 * {@code Route.to(IpPrefix.parse("0.0.0.0/0")).withOutputInterface(tun).withTable(51820)}.
 *
 * @param destination     destination prefix (host bits cleared); {@code /0} is the default route
 * @param gateway         {@code RTA_GATEWAY}, or null
 * @param outputInterface {@code RTA_OIF}, 0 for none
 * @param table           routing table id ({@code RTA_TABLE}, which also carries ids above 255)
 * @param metric          {@code RTA_PRIORITY}, 0 for the kernel's default (0 for IPv4, 1024 for IPv6)
 * @param protocol        {@code rtm_protocol}, an {@code RTPROT_*} value
 * @param scope           {@code rtm_scope}, an {@code RT_SCOPE_*} value, or -1 to choose as {@code ip route} does
 *                        (host for local routes, link for unicast routes without a gateway, else universe)
 * @param type            {@code rtm_type}
 * @param preferredSource {@code RTA_PREFSRC}, or null
 */
public record Route(IpPrefix destination, InetAddress gateway, int outputInterface, int table, int metric,
                    int protocol, int scope, Type type, InetAddress preferredSource) {

    /** {@code rtm_type} values, {@code RTN_*}. */
    public enum Type {
        UNSPEC(RTN_UNSPEC), UNICAST(RTN_UNICAST), LOCAL(RTN_LOCAL), BROADCAST(RTN_BROADCAST),
        ANYCAST(RTN_ANYCAST), MULTICAST(RTN_MULTICAST), BLACKHOLE(RTN_BLACKHOLE), UNREACHABLE(RTN_UNREACHABLE),
        PROHIBIT(RTN_PROHIBIT), THROW(RTN_THROW), NAT(RTN_NAT), XRESOLVE(RTN_XRESOLVE);

        private final int value;

        Type(int value) { this.value = value; }

        public int value() { return value; }

        /** The type for an {@code RTN_*} value; UNSPEC for values this version does not know. */
        public static Type of(int value) {
            for (Type t : values()) if (t.value == value) return t;
            return UNSPEC;
        }
    }

    public Route {
        if (destination == null) throw new IllegalArgumentException("destination is null");
        if (type == null) throw new IllegalArgumentException("type is null");
        destination = destination.network();
        IpFamily f = destination.family();
        if (gateway != null && IpFamily.of(gateway) != f)
            throw new IllegalArgumentException("gateway " + RtNames.addr(gateway) + " is not " + f);
        if (preferredSource != null && IpFamily.of(preferredSource) != f)
            throw new IllegalArgumentException("preferred source " + RtNames.addr(preferredSource) + " is not " + f);
        if (protocol < 0 || protocol > 255) throw new IllegalArgumentException("protocol " + protocol);
        if (scope < -1 || scope > 255) throw new IllegalArgumentException("scope " + scope);
    }

    /** A unicast route to {@code destination} in the main table, protocol boot (as {@code ip route add}). */
    public static Route to(IpPrefix destination) {
        return new Route(destination, null, 0, RT_TABLE_MAIN, 0, RTPROT_BOOT, -1, Type.UNICAST, null);
    }

    public IpFamily family() { return destination.family(); }

    public boolean isDefault() { return destination.length() == 0; }

    public Route withGateway(InetAddress g) {
        return new Route(destination, g, outputInterface, table, metric, protocol, scope, type, preferredSource);
    }

    public Route withOutputInterface(int oif) {
        return new Route(destination, gateway, oif, table, metric, protocol, scope, type, preferredSource);
    }

    public Route withTable(int t) {
        return new Route(destination, gateway, outputInterface, t, metric, protocol, scope, type, preferredSource);
    }

    public Route withMetric(int m) {
        return new Route(destination, gateway, outputInterface, table, m, protocol, scope, type, preferredSource);
    }

    public Route withProtocol(int p) {
        return new Route(destination, gateway, outputInterface, table, metric, p, scope, type, preferredSource);
    }

    public Route withScope(int s) {
        return new Route(destination, gateway, outputInterface, table, metric, protocol, s, type, preferredSource);
    }

    public Route withType(Type t) {
        return new Route(destination, gateway, outputInterface, table, metric, protocol, scope, t, preferredSource);
    }

    public Route withPreferredSource(InetAddress s) {
        return new Route(destination, gateway, outputInterface, table, metric, protocol, scope, type, s);
    }

    /** The scope to send: {@link #scope} or, if -1, the one {@code ip route add} would pick. */
    int effectiveScope() {
        if (scope >= 0) return scope;
        return switch (type) {
            case LOCAL, NAT -> RT_SCOPE_HOST;
            case BROADCAST, MULTICAST, ANYCAST -> RT_SCOPE_LINK;
            case UNICAST, UNSPEC -> gateway == null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
            default -> RT_SCOPE_UNIVERSE;
        };
    }

    /** Decodes {@code RTM_NEWROUTE}/{@code RTM_DELROUTE}; null for families other than IPv4 and IPv6. */
    static Route decode(NlMessage m) {
        m.requirePayload(RTMSG_SIZE);
        var p = m.payload();
        IpFamily family = RtNames.family(Byte.toUnsignedInt(p.get(0)));
        if (family == null) return null;
        int dstLen = Byte.toUnsignedInt(p.get(1));
        int table8 = Byte.toUnsignedInt(p.get(4));
        int protocol = Byte.toUnsignedInt(p.get(5));
        int scope = Byte.toUnsignedInt(p.get(6));
        Type type = Type.of(Byte.toUnsignedInt(p.get(7)));
        NlAttributes a = m.attributes(RTMSG_SIZE);
        IpPrefix dst = RtNames.prefix(RtNames.addressOr0(a, RTA_DST, family), dstLen);
        return new Route(dst, RtNames.addressOrNull(a, RTA_GATEWAY, family), a.u32(RTA_OIF, 0),
                a.u32(RTA_TABLE, table8), a.u32(RTA_PRIORITY, 0), protocol, scope, type,
                RtNames.addressOrNull(a, RTA_PREFSRC, family));
    }

    /** Like {@code ip route show table all}: {@code unreachable default table 51820 metric 10}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (type != Type.UNICAST) sb.append(type.name().toLowerCase(Locale.ROOT)).append(' ');
        sb.append(isDefault() ? "default" : destination.toString());
        if (gateway != null) sb.append(" via ").append(RtNames.addr(gateway));
        if (outputInterface != 0) sb.append(" dev #").append(outputInterface);
        if (table != RT_TABLE_MAIN) sb.append(" table ").append(RtNames.table(table));
        if (protocol != RTPROT_BOOT) sb.append(" proto ").append(RtNames.protocol(protocol));
        if (scope > 0) sb.append(" scope ").append(RtNames.scope(scope));
        if (preferredSource != null) sb.append(" src ").append(RtNames.addr(preferredSource));
        if (metric != 0) sb.append(" metric ").append(Integer.toUnsignedString(metric));
        return sb.toString();
    }
}
