package dev.netext.tunnel.killswitch;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The nftables text of a kill switch ({@code include-all-networks}), table {@code inet netext-killswitch}, which
 * netext alone owns:
 * <pre>
 * chain output (type filter, hook output, priority filter; policy drop):   this host's own packets
 *   oifname "lo" accept
 *   oifname "TUN" accept                      into the tunnel (while a provider runs; the name changes per launch)
 *   meta mark BYPASS accept                   the tunnel's own transport (WireGuard's UDP carries the bypass mark)
 *   ct state established ct direction reply accept   answers of connections that came in (SSH to this host keeps
 *                                             working): their own packets only, not the ICMP errors this host raises
 *                                             about a connection (ct state related)
 *   udp sport 68 udp dport 67 accept          DHCPv4, and DHCPv6 (546 → 547), so the physical link keeps its lease
 *   icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept   IPv6 neighbour discovery
 *   exclude-local-networks:
 *     ip daddr { connected subnets, 255.255.255.255 } accept
 *     ip6 daddr { fe80::/10, connected subnets } accept
 *     ip daddr 224.0.0.251 udp dport 5353 accept · ip6 daddr ff02::fb udp dport 5353 accept   (mDNS)
 * chain forward (type filter, hook forward, priority filter; policy drop):  what this host routes for others
 *   oifname "TUN" accept · iifname "TUN" accept · ct state established ct direction reply accept · [the same local destinations]
 * </pre>
 * IPv6 is blocked whenever the tunnel carries none: nothing but the tunnel's link passes, whatever the family, so a
 * tunnel with only IPv4 routes leaves IPv6 (but link-local, with exclude-local-networks) nowhere to go. Other marks
 * are not exempt — the flow layer's and DNS layer's upstream sockets follow the tunnel's routes (its rule is
 * {@code not fwmark BYPASS}), so they leave through the tunnel. There is no input chain: a packet that comes in leaks
 * nothing, and what this host answers leaves through output. Without a running provider the table has no tunnel
 * and no mark — everything but the exceptions is dropped (fail closed).
 *
 * <p>{@link #render} replaces the table's rules in one transaction (create the table if missing, flush its rules,
 * declare its chains and rules anew; the chains and their drop policy are never deleted), so a change — a new TUN
 * name after a restart, a new local subnet — never opens a gap.
 */
public final class KillSwitchRuleset {
    public static final String FAMILY = "inet", TABLE = "netext-killswitch";
    /** DHCP client → server ports (RFC 2131 section 4.1; RFC 8415 section 7.2). */
    static final int DHCP_CLIENT = 68, DHCP_SERVER = 67, DHCP6_CLIENT = 546, DHCP6_SERVER = 547;
    /** Multicast DNS (RFC 6762 section 3). */
    static final int MDNS_PORT = 5353;
    private static final IpPrefix LINK_LOCAL = IpPrefix.parse("fe80::/10");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_=+.:-]{1,15}");

    private KillSwitchRuleset() {}

    /**
     * What one kill switch lets through.
     *
     * @param tunnel       the running tunnel's interface, or null while no provider runs
     * @param bypassMark   the tunnel transport's SO_MARK, or 0 while no provider runs
     * @param excludeLocal whether directly connected subnets, link-local and mDNS pass ({@code exclude-local-networks})
     * @param local        the directly connected subnets (network prefixes) when {@code excludeLocal}
     */
    public record Config(String tunnel, int bypassMark, boolean excludeLocal, List<IpPrefix> local) {
        public Config {
            if (tunnel != null && !IFNAME.matcher(tunnel).matches())
                throw new IllegalArgumentException("bad tunnel interface name: " + tunnel);
            local = List.copyOf(Objects.requireNonNullElse(local, List.of()));
        }

        /** No tunnel running: only the exceptions pass. */
        public Config withoutTunnel() { return new Config(null, 0, excludeLocal, local); }

        public Config withTunnel(String name, int mark) { return new Config(name, mark, excludeLocal, local); }

        public Config withLocal(List<IpPrefix> subnets) { return new Config(tunnel, bypassMark, excludeLocal, subnets); }
    }

    /** The whole script: the table replaced atomically by {@code nft -f}. */
    public static String render(Config c) {
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {}\n");
        sb.append("flush table ").append(FAMILY).append(' ').append(TABLE).append('\n');
        sb.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");
        sb.append("  chain output {\n");
        sb.append("    type filter hook output priority filter; policy drop;\n");
        sb.append("    oifname \"lo\" accept\n");
        if (c.tunnel() != null) sb.append("    oifname \"").append(c.tunnel()).append("\" accept\n");
        if (c.bypassMark() != 0) sb.append("    meta mark ").append(hex(c.bypassMark())).append(" accept\n");
        sb.append("    ct state established ct direction reply accept\n");
        sb.append("    udp sport ").append(DHCP_CLIENT).append(" udp dport ").append(DHCP_SERVER).append(" accept\n");
        sb.append("    udp sport ").append(DHCP6_CLIENT).append(" udp dport ").append(DHCP6_SERVER).append(" accept\n");
        sb.append("    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept\n");
        if (c.excludeLocal()) localRules(sb, c);
        sb.append("  }\n");
        sb.append("  chain forward {\n");
        sb.append("    type filter hook forward priority filter; policy drop;\n");
        if (c.tunnel() != null) {
            sb.append("    oifname \"").append(c.tunnel()).append("\" accept\n");
            sb.append("    iifname \"").append(c.tunnel()).append("\" accept\n");
        }
        sb.append("    ct state established ct direction reply accept\n");
        if (c.excludeLocal()) localRules(sb, c);
        sb.append("  }\n");
        sb.append("}\n");
        return sb.toString();
    }

    private static void localRules(StringBuilder sb, Config c) {
        List<IpPrefix> local = disjoint(c.local());
        String v4 = local.stream().filter(p -> p.family() == IpFamily.V4).map(IpPrefix::toString)
                .collect(Collectors.joining(", "));
        sb.append("    ip daddr { ").append(v4.isEmpty() ? "" : v4 + ", ").append("255.255.255.255 } accept\n");
        String v6 = local.stream().filter(p -> p.family() == IpFamily.V6 && !LINK_LOCAL.overlaps(p))
                .map(IpPrefix::toString).collect(Collectors.joining(", "));
        sb.append("    ip6 daddr { fe80::/10").append(v6.isEmpty() ? "" : ", " + v6).append(" } accept\n");
        sb.append("    ip daddr 224.0.0.251 udp dport ").append(MDNS_PORT).append(" accept\n");
        sb.append("    ip6 daddr ff02::fb udp dport ").append(MDNS_PORT).append(" accept\n");
    }

    /**
     * The networks of {@code prefixes}, none inside another: nft refuses overlapping intervals in one set (two
     * addresses in one subnet, a /32 inside a LAN's /24), and the wider one covers the narrower.
     */
    static List<IpPrefix> disjoint(List<IpPrefix> prefixes) {
        List<IpPrefix> kept = new ArrayList<>();
        prefixes.stream().map(IpPrefix::network).sorted(Comparator.comparingInt(IpPrefix::length)).forEach(p -> {
            if (kept.stream().noneMatch(k -> k.overlaps(p))) kept.add(p);
        });
        return kept;
    }

    private static String hex(int v) { return "0x" + Integer.toHexString(v); }
}
