package dev.netext.linux.tproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nftables text for table {@code inet netext-flow}, which netext alone owns:
 * <pre>
 * chain output (type route, hook output, priority mangle):     locally originated packets
 *   meta mark BYPASS return                                    netext's own sockets: never looped
 *   fib daddr type local return                                local destinations are not flows to the network
 *   meta l4proto tcp meta skuid … meta mark set INTERCEPT      one rule per scope selector; "route" re-routes it
 * chain prerouting (type filter, hook prerouting, priority mangle):
 *   iifname "lo" meta mark INTERCEPT meta nfproto ipv4 meta l4proto tcp tproxy ip to 127.0.0.1:P4
 *   iifname "lo" meta mark INTERCEPT meta nfproto ipv6 meta l4proto tcp tproxy ip6 to [::1]:P6
 * </pre>
 * Policy routing ({@code fwmark INTERCEPT lookup T}, {@code local default dev lo table T}) brings the marked packet
 * back in through {@code lo}, where tproxy hands it to the listener (established sockets are found first, so every
 * packet of an accepted connection goes to its socket). The script deletes nothing: {@link TproxySteering} refuses to
 * start when the table already exists.
 */
public final class TproxyRuleset {
    public static final String FAMILY = "inet", TABLE = "netext-flow";

    private TproxyRuleset() {}

    public static String render(InterceptionConfig c) {
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");
        sb.append("  chain output {\n");
        sb.append("    type route hook output priority mangle; policy accept;\n");
        sb.append("    meta mark ").append(hex(c.bypassMark())).append(" return\n");
        sb.append("    fib daddr type local return\n");
        if (!c.scope().excludeUids().isEmpty())
            sb.append("    meta skuid ").append(set(c.scope().excludeUids())).append(" return\n");
        for (String selector : selectors(c.scope()))
            sb.append("    meta l4proto tcp ").append(selector).append("meta mark set ").append(hex(c.interceptMark())).append('\n');
        sb.append("  }\n");
        sb.append("  chain prerouting {\n");
        sb.append("    type filter hook prerouting priority mangle; policy accept;\n");
        String m = "    iifname \"lo\" meta mark " + hex(c.interceptMark());
        if (c.tcpPortV4() != 0)
            sb.append(m).append(" meta nfproto ipv4 meta l4proto tcp tproxy ip to 127.0.0.1:").append(c.tcpPortV4()).append('\n');
        if (c.tcpPortV6() != 0)
            sb.append(m).append(" meta nfproto ipv6 meta l4proto tcp tproxy ip6 to [::1]:").append(c.tcpPortV6()).append('\n');
        sb.append("  }\n");
        sb.append("}\n");
        return sb.toString();
    }

    /** One nft match prefix per selector; a single empty one for "everything". */
    static List<String> selectors(InterceptionConfig.Scope s) {
        List<String> out = new ArrayList<>();
        if (s.everything()) {
            out.add("");
            return out;
        }
        if (!s.uids().isEmpty()) out.add("meta skuid " + set(s.uids()) + " ");
        if (!s.gids().isEmpty()) out.add("meta skgid " + set(s.gids()) + " ");
        for (String cg : s.cgroups()) {
            String path = cg.startsWith("/") ? cg.substring(1) : cg;
            int level = path.isEmpty() ? 0 : (int) path.chars().filter(ch -> ch == '/').count() + 1;
            out.add("socket cgroupv2 level " + level + " \"" + path + "\" ");
        }
        return out;
    }

    private static String set(List<Long> ids) {
        return ids.size() == 1 ? Long.toString(ids.getFirst())
                : ids.stream().map(String::valueOf).collect(Collectors.joining(", ", "{ ", " }"));
    }

    static String hex(int mark) { return "0x" + Integer.toHexString(mark); }
}
