package dev.netext.tunnel.apps;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The nftables text of a per-app tunnel, table {@code inet netext-apps-N} (N: the tunnel's slot), which netext alone
 * owns. With it, the tunnel's routes are in the tunnel's own table and its policy rule is {@code fwmark APP lookup
 * TABLE}: only packets carrying the app mark use them, everything else keeps the normal routes.
 * <pre>
 * chain route_apps (type route, hook output, priority mangle)     a changed mark makes the kernel route the packet again
 *   meta mark BYPASS return                                  the tunnel's own transport never goes into the tunnel
 *   MATCH meta mark set APP                                  per app rule: meta skuid U · socket cgroupv2 level L "P"
 *   meta mark APP meta nfproto ipv6 th dport 53 drop         (DNS servers of one family only) no name leaks over the other
 * chain dns_apps (type nat, hook output, priority -100)           the apps' DNS goes to the tunnel's server, whatever
 *   meta mark APP meta nfproto ipv4 th dport 53 dnat ip to S4     resolver their resolv.conf names
 *   meta mark APP meta nfproto ipv6 th dport 53 dnat ip6 to S6
 * chain clamp_apps (type filter, hook postrouting, priority mangle)
 *   meta mark APP oifname TUN tcp flags syn tcp option maxseg size set rt mtu   the socket chose its MSS on the old route
 * chain nat_apps (type nat, hook postrouting, priority srcnat)
 *   meta mark APP oifname TUN masquerade                     the socket chose its source address on the normal route:
 *                                                            the tunnel's peer only accepts the tunnel's address
 * chain guard_apps (type filter, hook prerouting, priority filter)      (with an IPv4 server)
 *   iifname TUN ip daddr 127.0.0.0/8 ct status dnat accept   answers to a query sent to a loopback resolver
 *   iifname TUN ip daddr 127.0.0.0/8 drop                    anything else the tunnel sends to loopback
 * </pre>
 * A query to a loopback resolver (systemd-resolved's 127.0.0.53) leaves from 127.0.0.1, which the kernel routes out
 * of a device only when that device has {@code route_localnet} — {@link AppRouting} sets it on the TUN device (it goes
 * with the device), and the guard chain keeps the tunnel's peer from reaching this host's loopback services through
 * it: only the answers of redirected queries (conntrack's reply of a DNATed connection) pass. IPv6 has no such
 * switch: a matched app's query to {@code ::1} is dropped (no leak, no answer).
 * {@link #render} replaces the table in one transaction.
 */
public final class AppRuleset {
    public static final String FAMILY = "inet", TABLE_PREFIX = "netext-apps-";
    /** DNS (RFC 1035 section 4.2). */
    static final int DNS_PORT = 53;
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_=+.:-]{1,15}");

    private AppRuleset() {}

    /**
     * What one per-app tunnel's table says.
     *
     * @param table      the table's name ({@link #TABLE_PREFIX} + slot)
     * @param tunnel     the TUN device's name
     * @param appMark    the mark the tunnel's policy rule looks for
     * @param bypassMark the tunnel transport's SO_MARK
     * @param matches    nft match expressions, one per app rule
     * @param dns        the tunnel's DNS servers (the first of each family is used), empty for none
     */
    public record Config(String table, String tunnel, int appMark, int bypassMark, List<String> matches,
                         List<InetAddress> dns) {
        public Config {
            if (!IFNAME.matcher(tunnel).matches()) throw new IllegalArgumentException("bad tunnel interface name: " + tunnel);
            if (matches.isEmpty()) throw new IllegalArgumentException("a per-app tunnel needs at least one app rule");
            matches = List.copyOf(matches);
            dns = List.copyOf(dns);
        }

        InetAddress dns4() { return dns.stream().filter(a -> a instanceof Inet4Address).findFirst().orElse(null); }

        InetAddress dns6() { return dns.stream().filter(a -> a instanceof Inet6Address).findFirst().orElse(null); }
    }

    /** The whole script: the table replaced atomically by {@code nft -f}. */
    public static String render(Config c) {
        String app = hex(c.appMark()), marked = "meta mark " + app;
        String dns53 = " meta l4proto { tcp, udp } th dport " + DNS_PORT;
        StringBuilder sb = new StringBuilder();
        String t = FAMILY + ' ' + c.table();
        sb.append("table ").append(t).append(" {}\nflush table ").append(t).append('\n');
        sb.append("table ").append(t).append(" {\n");
        sb.append("  chain route_apps {\n    type route hook output priority mangle; policy accept;\n");
        sb.append("    meta mark ").append(hex(c.bypassMark())).append(" return\n");
        for (String m : c.matches()) sb.append("    ").append(m).append(" meta mark set ").append(app).append('\n');
        if (!c.dns().isEmpty()) {
            if (c.dns4() == null) sb.append("    ").append(marked).append(" meta nfproto ipv4").append(dns53).append(" drop\n");
            if (c.dns6() == null) sb.append("    ").append(marked).append(" meta nfproto ipv6").append(dns53).append(" drop\n");
        }
        sb.append("  }\n");
        if (!c.dns().isEmpty()) {
            sb.append("  chain dns_apps {\n    type nat hook output priority -100; policy accept;\n");
            if (c.dns4() != null) sb.append("    ").append(marked).append(" meta nfproto ipv4").append(dns53)
                    .append(" dnat ip to ").append(c.dns4().getHostAddress()).append('\n');
            if (c.dns6() != null) sb.append("    ").append(marked).append(" meta nfproto ipv6").append(dns53)
                    .append(" dnat ip6 to ").append(c.dns6().getHostAddress().replaceFirst("%.*", "")).append('\n');
            sb.append("  }\n");
        }
        String toTunnel = marked + " oifname \"" + c.tunnel() + "\"";
        sb.append("  chain clamp_apps {\n    type filter hook postrouting priority mangle; policy accept;\n");
        sb.append("    ").append(toTunnel).append(" tcp flags syn tcp option maxseg size set rt mtu\n  }\n");
        sb.append("  chain nat_apps {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        sb.append("    ").append(toTunnel).append(" masquerade\n  }\n");
        if (c.dns4() != null) {
            String fromTunnel = "iifname \"" + c.tunnel() + "\" ip daddr 127.0.0.0/8";
            sb.append("  chain guard_apps {\n    type filter hook prerouting priority filter; policy accept;\n");
            sb.append("    ").append(fromTunnel).append(" ct status dnat accept\n");
            sb.append("    ").append(fromTunnel).append(" drop\n  }\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static String hex(int v) { return "0x" + Integer.toHexString(v); }
}
