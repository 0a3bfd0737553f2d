package dev.netext.linux.tproxy;

import dev.netext.api.net.IpFamily;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nftables text for table {@code inet netext-flow}, which netext alone owns:
 * <pre>
 * chain output (type route, hook output, priority mangle):     locally originated packets
 *   meta mark BYPASS return                                    netext's own sockets: never looped
 *   meta mark != 0 return                                      sockets routed deliberately (a VPN's, SO_MARK)
 *   fib daddr type local return                                local destinations are not flows to the network
 *   [meta l4proto { tcp, udp } th dport 53 return]             when the DNS layer intercepts port 53 itself
 *   meta l4proto tcp tcp flags &amp; (syn | ack) == syn ct direction original meta skuid …
 *       ct label set LABEL meta mark set INTERCEPT             a connection this host opens: one rule per scope
 *                                                              selector; "route" re-routes it
 *       (with the SYN queue, {@link InterceptionConfig#tcpQueued}: no such rule; the flow layer's verdict marks
 *       the SYNs it sends to TPROXY, and prerouting labels them: iifname "lo" meta mark INTERCEPT … ct label set)
 *   meta l4proto tcp ct direction original ct label LABEL meta mark set INTERCEPT   its later packets
 *   meta l4proto udp ct direction original meta skuid … meta mark set INTERCEPT     UDP, when it is intercepted
 *       (with the datagram queue, {@link InterceptionConfig#udpQueued}: instead, as for TCP, the flows the flow
 *       layer's verdict marked and prerouting labelled: meta l4proto udp ct direction original ct label LABEL …)
 * chain prerouting (type filter, hook prerouting, priority mangle):
 *   iifname "lo" meta mark INTERCEPT meta nfproto ipv4 meta l4proto tcp tproxy ip to 127.0.0.1:P4
 *   iifname "lo" meta mark INTERCEPT meta nfproto ipv6 meta l4proto tcp tproxy ip6 to [::1]:P6
 *   iifname "lo" meta mark INTERCEPT meta nfproto ipv4 meta l4proto udp tproxy ip to 127.0.0.1:U4   (and ip6)
 *   gateway mode, forwarded traffic arriving on the given interfaces:
 *   iifname { "eth1" } fib daddr type { local, broadcast, multicast } return
 *   iifname { "eth1" } meta nfproto ipv4 meta l4proto tcp meta mark set INTERCEPT tproxy ip to 127.0.0.1:P4  (…)
 *   (with forwarded flows queued, {@link InterceptionConfig#forwardedQueued}: the chain's priority is mangle + 1, after
 *   the queue rules of iptables' mangle PREROUTING; a forwarded SYN or first datagram the flow layer's verdict marked
 *   is labelled — iifname { "eth1" } meta mark INTERCEPT meta l4proto tcp … ct label set LABEL — and only labelled
 *   connections are handed over: iifname { "eth1" } ct direction original ct label LABEL … tproxy …)
 * </pre>
 * Only connections this host opens are intercepted: a local server's answers to a connection that arrived from
 * elsewhere (its SYN-ACK and data, a UDP server's replies) leave through {@code output} too, and marking them would
 * hand them to the listener — every inbound TCP connection, SSH included, would hang. A TCP connection is intercepted
 * when its SYN leaves here ({@link #INTERCEPTED_LABEL} in conntrack remembers it), not by its direction alone:
 * conntrack starts tracking a namespace when this table is loaded, and picks up the connections already open
 * mid-stream, taking whichever side sends first as the original direction — an SSH session's server side included.
 * UDP has no opening packet; its flows are taken by conntrack's direction (the first datagram seen). Untracked
 * packets ({@code notrack}) have neither, and are left alone.
 *
 * <p>Policy routing ({@code fwmark INTERCEPT lookup T}, {@code local default dev lo table T}) brings the marked packet
 * back in through {@code lo}, where tproxy hands it to the listener (established sockets are found first, so every
 * packet of an accepted connection goes to its socket). The script deletes nothing: {@link TproxySteering} refuses to
 * start when the table already exists.
 */
public final class TproxyRuleset {
    public static final String FAMILY = "inet", TABLE = "netext-flow";
    /**
     * The conntrack label bit (of 128) that marks a TCP connection opened from here as intercepted. A label, not a
     * {@code ct mark}: the packet filter and VPN tools own connection marks; netext uses no other label.
     */
    public static final int INTERCEPTED_LABEL = 78;

    private TproxyRuleset() {}

    public static String render(InterceptionConfig c) {
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");
        sb.append("  chain output {\n");
        sb.append("    type route hook output priority mangle; policy accept;\n");
        sb.append("    meta mark ").append(hex(c.bypassMark())).append(" return\n");
        // a socket with a mark of its own is routed deliberately — a VPN's encrypted UDP (WireGuard's SO_MARK), the
        // DNS layer's upstreams: relaying it from a socket with netext's bypass mark would route it differently
        sb.append("    meta mark != 0 return\n");
        sb.append("    fib daddr type local return\n");
        if (c.excludeDns()) sb.append("    meta l4proto { tcp, udp } th dport 53 return\n");
        if (!c.scope().excludeUids().isEmpty())
            sb.append("    meta skuid ").append(set(c.scope().excludeUids())).append(" return\n");
        String tcp = families(c, c.tcpPortV4() != 0, c.tcpPortV6() != 0);
        String udp = families(c, c.udpPortV4() != 0, c.udpPortV6() != 0);
        String mark = "meta mark set " + hex(c.interceptMark());
        for (String selector : selectors(c.scope())) {
            if (tcp != null && !c.tcpQueued())
                sb.append("    ").append(tcp).append("meta l4proto tcp tcp flags & (syn | ack) == syn ct direction original ")
                        .append(selector).append("ct label set ").append(INTERCEPTED_LABEL).append(' ').append(mark).append('\n');
            if (udp != null && !c.udpQueued())
                sb.append("    ").append(udp).append("meta l4proto udp ct direction original ").append(selector).append(mark).append('\n');
        }
        if (tcp != null)
            sb.append("    ").append(tcp).append("meta l4proto tcp ct direction original ct label ").append(INTERCEPTED_LABEL)
                    .append(' ').append(mark).append('\n');
        if (udp != null && c.udpQueued()) // the later datagrams of a flow the flow layer's verdict sent to TPROXY
            sb.append("    ").append(udp).append("meta l4proto udp ct direction original ct label ").append(INTERCEPTED_LABEL)
                    .append(' ').append(mark).append('\n');
        sb.append("  }\n");
        sb.append("  chain prerouting {\n");
        // forwarded flows queued first: after iptables' mangle PREROUTING (priority mangle), whose queue verdict
        // decides whether this chain hands the flow to TPROXY
        sb.append("    type filter hook prerouting priority mangle").append(c.queuesForwarded() ? " + 1" : "")
                .append("; policy accept;\n");
        String m = "    iifname \"lo\" meta mark " + hex(c.interceptMark());
        if (c.tcpQueued() && (c.tcpPortV4() != 0 || c.tcpPortV6() != 0)) // a SYN the flow layer's verdict sent here
            sb.append(m).append(" meta l4proto tcp tcp flags & (syn | ack) == syn ct label set ").append(INTERCEPTED_LABEL).append('\n');
        if (c.udpQueued() && (c.udpPortV4() != 0 || c.udpPortV6() != 0)) // a UDP flow's datagram sent here likewise
            sb.append(m).append(" meta l4proto udp ct label set ").append(INTERCEPTED_LABEL).append('\n');
        tproxy(sb, (overTcp, family) -> m, c, "");
        if (!c.gatewayInterfaces().isEmpty()) {
            // forwarded traffic: marked here (policy routing then delivers it locally) and handed to the listeners;
            // traffic for this host itself, broadcasts and multicasts are not flows to intercept
            String g = "    iifname " + (c.gatewayInterfaces().size() == 1 ? quote(c.gatewayInterfaces().getFirst())
                    : c.gatewayInterfaces().stream().map(TproxyRuleset::quote).collect(Collectors.joining(", ", "{ ", " }")));
            sb.append(g).append(" fib daddr type { local, broadcast, multicast } return\n");
            // queued first (VerdictSteering): only the flows whose verdict carries the intercept mark are labelled
            // and handed over, their later packets by the label; the others stay forwarded
            String gm = g + " meta mark " + hex(c.interceptMark()), labelled = g + " ct direction original ct label "
                    + INTERCEPTED_LABEL;
            for (boolean overTcp : new boolean[]{true, false}) {
                boolean v4 = c.forwardedQueued(overTcp, IpFamily.V4), v6 = c.forwardedQueued(overTcp, IpFamily.V6);
                if (!v4 && !v6) continue;
                String only = v4 && v6 ? "" : v4 ? " meta nfproto ipv4" : " meta nfproto ipv6";
                sb.append(gm).append(only).append(overTcp ? " meta l4proto tcp tcp flags & (syn | ack) == syn" : " meta l4proto udp")
                        .append(" ct label set ").append(INTERCEPTED_LABEL).append('\n');
            }
            tproxy(sb, (overTcp, family) -> c.forwardedQueued(overTcp, family) ? labelled : g, c,
                    " meta mark set " + hex(c.interceptMark()));
        }
        sb.append("  }\n");
        sb.append("}\n");
        return sb.toString();
    }

    /** The match a listener's tproxy rule starts with, by protocol (TCP or else UDP) and family. */
    private interface Prefix {
        String of(boolean tcp, IpFamily family);
    }

    /** One tproxy rule per listener: {@code prefix [mark] tproxy to listener}. */
    private static void tproxy(StringBuilder sb, Prefix prefix, InterceptionConfig c, String mark) {
        if (c.tcpPortV4() != 0)
            sb.append(prefix.of(true, IpFamily.V4)).append(" meta nfproto ipv4 meta l4proto tcp").append(mark).append(" tproxy ip to 127.0.0.1:").append(c.tcpPortV4()).append('\n');
        if (c.tcpPortV6() != 0)
            sb.append(prefix.of(true, IpFamily.V6)).append(" meta nfproto ipv6 meta l4proto tcp").append(mark).append(" tproxy ip6 to [::1]:").append(c.tcpPortV6()).append('\n');
        if (c.udpPortV4() != 0)
            sb.append(prefix.of(false, IpFamily.V4)).append(" meta nfproto ipv4 meta l4proto udp").append(mark).append(" tproxy ip to 127.0.0.1:").append(c.udpPortV4()).append('\n');
        if (c.udpPortV6() != 0)
            sb.append(prefix.of(false, IpFamily.V6)).append(" meta nfproto ipv6 meta l4proto udp").append(mark).append(" tproxy ip6 to [::1]:").append(c.udpPortV6()).append('\n');
    }

    /**
     * The family match for a protocol intercepted in {@code v4}/{@code v6}: empty when it covers every family that
     * has policy routing, a family qualifier when only one of them (a marked packet of a family with routing but no
     * listener would be looped to {@code lo} and lost); null when the protocol is not intercepted at all.
     */
    private static String families(InterceptionConfig c, boolean v4, boolean v6) {
        if (!v4 && !v6) return null;
        if ((v4 || !c.intercepts(false)) && (v6 || !c.intercepts(true))) return "";
        return v4 ? "meta nfproto ipv4 " : "meta nfproto ipv6 ";
    }

    private static String quote(String name) { return "\"" + name + "\""; }

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
