package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of {@code netext diagnose}: pure functions from a {@link NetworkSnapshot} to {@link Conflict}s, so that
 * each can be tested on a hand-built snapshot without a kernel.
 *
 * <p>Severity policy: {@link Severity#ERROR} when traffic is certainly misrouted or cannot be configured (two TUN
 * devices claiming overlapping destinations, a TUN and another link claiming the identical prefix, IPv6 requested
 * on a device where it is disabled, a dead instance's objects still in the kernel, netext objects nobody owns that
 * black-hole traffic); {@link Severity#WARNING} for probable causes of trouble and other left-over state;
 * {@link Severity#INFO} for facts that are usually fine.
 */
public final class ConflictDetector {
    private ConflictDetector() {}

    /** All checks, errors first, then warnings, then notes (stable order within a severity). */
    public static List<Conflict> detect(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        out.addAll(routeOverlaps(s));
        out.addAll(staleState(s));
        out.addAll(rpFilter(s));
        out.addAll(tunHealth(s));
        out.addAll(defaultRoutes(s));
        out.sort(Comparator.comparing(Conflict::severity));
        return out;
    }

    // ------------------------------------------------------------------------------------------ 1. overlapping routes

    /**
     * Routes of two different devices, at least one of them a TUN device, whose prefixes are identical or nested and
     * whose tables one lookup consults ({@link PolicyRouting#sharedLookup}). Default routes ({@code /0}), IPv6
     * link-local and multicast routes are left out: every link has them, and they overlap by design.
     */
    public static List<Conflict> routeOverlaps(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        List<Route> candidates = s.routes().stream().filter(ConflictDetector::overlapCandidate).toList();
        for (int i = 0; i < candidates.size(); i++) {
            for (int j = i + 1; j < candidates.size(); j++) {
                Route a = candidates.get(i), b = candidates.get(j);
                if (a.outputInterface() == b.outputInterface()) continue;
                boolean tunA = s.isTun(a.outputInterface()), tunB = s.isTun(b.outputInterface());
                if (!tunA && !tunB) continue;
                if (a.family() != b.family() || !a.destination().overlaps(b.destination())) continue;
                Optional<PolicyRouting.SharedLookup> via = PolicyRouting.sharedLookup(s.rules(), a, b);
                if (via.isEmpty()) continue;
                out.add(overlap(s, tunA ? a : b, tunA ? b : a, via.get()));
            }
        }
        return out;
    }

    private static boolean overlapCandidate(Route r) {
        if (r.type() != Route.Type.UNICAST || r.outputInterface() == 0 || r.isDefault()) return false;
        if (r.table() == NetworkSnapshot.TABLE_LOCAL) return false;
        if (r.family() == IpFamily.V6) {
            byte first = r.destination().address().getAddress()[0];
            byte second = r.destination().address().getAddress()[1];
            if (first == (byte) 0xFF) return false; // multicast
            if (first == (byte) 0xFE && (second & 0xC0) == 0x80) return false; // fe80::/10 link-local
        }
        return true;
    }

    private static Conflict overlap(NetworkSnapshot s, Route tun, Route other, PolicyRouting.SharedLookup via) {
        String devT = s.linkName(tun.outputInterface()), devO = s.linkName(other.outputInterface());
        boolean bothTun = s.isTun(other.outputInterface());
        boolean identical = tun.destination().equals(other.destination());
        Severity sev = identical || bothTun ? Severity.ERROR : Severity.WARNING;
        String how = identical ? "the same prefix as" : tun.destination().length() > other.destination().length()
                ? "a prefix inside" : "a prefix containing";
        String region = (tun.destination().length() >= other.destination().length() ? tun : other).destination().toString();
        Optional<Route> winner = PolicyRouting.winner(tun, other, via);
        String effect = winner.map(w -> {
            String wDev = s.linkName(w.outputInterface());
            String loser = w == tun ? devO : devT;
            return "traffic to " + region + " goes to " + wDev + ", not " + loser;
        }).orElse("which of them gets traffic to " + region + " is up to the kernel's insertion order");
        String tables = tun.table() == other.table() ? "table " + NetworkSnapshot.tableName(tun.table())
                : "tables " + NetworkSnapshot.tableName(tun.table()) + " and " + NetworkSnapshot.tableName(other.table())
                + " (rules " + Integer.toUnsignedString(via.first().priority()) + " and "
                + Integer.toUnsignedString(via.second().priority()) + ")";
        String message = (bothTun ? "TUN devices " : "TUN device ") + devT + " and " + (bothTun ? "" : "link ") + devO
                + " claim overlapping routes: " + describe(tun, devT) + " has " + how + " " + describe(other, devO)
                + " in " + tables + "; " + effect;
        String fix = bothTun
                ? "give the tunnels disjoint routes, or stop one of them (" + devT + " or " + devO + ")"
                : "exclude " + other.destination() + " from the tunnel's routes (excludedRoutes), or narrow the tunnel's "
                + tun.destination() + " route";
        return new Conflict(sev, Conflict.ROUTE_OVERLAP, message, fix,
                List.of(devT, devO, tun.destination().toString(), other.destination().toString()));
    }

    private static String describe(Route r, String dev) {
        return r.destination() + " dev " + dev;
    }

    // ------------------------------------------------------------------------------------------ 2. stale netext state

    /** What netext instances that died without stopping left: see {@link Leftovers}. */
    public static List<Conflict> staleState(NetworkSnapshot s) {
        return Leftovers.detect(s);
    }

    /** A rule in netext's priority band that selects a netext mark, or the suppress rule one below such a rule. */
    static boolean isNetextRule(Rule r, List<Rule> sameFamily) {
        long p = Integer.toUnsignedLong(r.priority());
        if (p < NetworkSnapshot.NETEXT_PRIORITY_MIN || p > NetworkSnapshot.NETEXT_PRIORITY_MAX) return false;
        if (NetworkSnapshot.isNetextMark(r.fwmark())) return true;
        return r.suppressPrefixLength() >= 0 && r.table() == NetworkSnapshot.TABLE_MAIN
                && sameFamily.stream().anyMatch(o -> Integer.toUnsignedLong(o.priority()) == p + 1 && NetworkSnapshot.isNetextMark(o.fwmark()));
    }

    /** The rule as {@code ip rule} prints it, without the priority. */
    static String ruleText(Rule r) {
        String t = r.toString();
        int tab = t.indexOf(":\t");
        return tab >= 0 ? Integer.toUnsignedString(r.priority()) + ": " + t.substring(tab + 2) : t;
    }

    // ------------------------------------------------------------------------------------------ 3. rp_filter

    /**
     * Strict reverse-path filtering (effective {@code rp_filter} 1 = max(all, dev)) on a TUN device, or on a link
     * that carries a default route while fwmark policy routing is in use and {@code src_valid_mark} is off: the
     * reverse-path lookup then ignores the mark, picks the tunnel, and drops the replies.
     */
    public static List<Conflict> rpFilter(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (Link l : s.tunDevices()) {
            if (s.effectiveRpFilter(l.name()) != 1) continue;
            done.add(l.name());
            out.add(new Conflict(Severity.WARNING, Conflict.RP_FILTER,
                    "strict rp_filter on TUN device " + l.name() + rpSource(s, l.name())
                            + ": replies arriving on the tunnel from sources not routed back through " + l.name() + " are dropped",
                    fixRp(l.name()), List.of(l.name())));
        }
        if (PolicyRouting.fwmarkRoutingInUse(s.rules(), IpFamily.V4)) {
            for (PolicyRouting.DefaultRoute d : PolicyRouting.defaultRoutes(s, IpFamily.V4)) {
                int oif = d.route().outputInterface();
                if (oif == 0 || s.isTun(oif)) continue;
                String dev = s.linkName(oif);
                if (done.contains(dev) || s.effectiveRpFilter(dev) != 1 || s.effectiveSrcValidMark(dev)) continue;
                done.add(dev);
                out.add(new Conflict(Severity.WARNING, Conflict.RP_FILTER,
                        "strict rp_filter on " + dev + rpSource(s, dev) + ", the default-route link, while fwmark policy "
                                + "routing is in use and src_valid_mark is off: the reverse-path check ignores the bypass "
                                + "mark and drops the tunnel's replies arriving on " + dev,
                        fixRp(dev), List.of(dev)));
            }
        }
        return out;
    }

    private static String rpSource(NetworkSnapshot s, String dev) {
        int all = s.sysctls().getOrDefault("net.ipv4.conf.all.rp_filter", -1);
        int own = s.sysctls().getOrDefault("net.ipv4.conf." + dev + ".rp_filter", -1);
        if (all == 1 && own == 1) return " (net.ipv4.conf.all and ." + dev + ".rp_filter = 1)";
        return all == 1 ? " (net.ipv4.conf.all.rp_filter = 1)" : " (net.ipv4.conf." + dev + ".rp_filter = 1)";
    }

    private static String fixRp(String dev) {
        return "sysctl -w net.ipv4.conf." + dev + ".rp_filter=2 (loose), or sysctl -w net.ipv4.conf.all.src_valid_mark=1 as wg-quick does";
    }

    // ------------------------------------------------------------------------------------------ 4. TUN health, IPv6

    /** TUN devices that are down, up without carrier (no process holds them) or have no address; IPv6 disabled on a TUN device a live ledger gave IPv6 addresses. */
    public static List<Conflict> tunHealth(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        for (Link l : s.tunDevices()) {
            String owner = s.ownerOf(l).isPresent() ? "netext's" : "foreign";
            if (!l.up()) {
                out.add(new Conflict(Severity.WARNING, Conflict.TUN_DOWN,
                        owner + " TUN device " + l.name() + " is down: nothing is routed through it",
                        "ip link set dev " + l.name() + " up (for netext's, check that the provider applied its settings)",
                        List.of(l.name())));
            } else if (!l.running()) {
                out.add(new Conflict(Severity.WARNING, Conflict.TUN_NO_CARRIER,
                        owner + " TUN device " + l.name() + " is up without carrier: no process has it open, so packets routed to it are dropped",
                        "start the program that serves " + l.name() + ", or delete it: ip link del dev " + l.name(),
                        List.of(l.name())));
            }
            if (s.addressesOf(l.index()).isEmpty()) {
                out.add(new Conflict(Severity.WARNING, Conflict.TUN_NO_ADDRESS,
                        owner + " TUN device " + l.name() + " has no address: packets it delivers have no local destination",
                        "ip addr add ADDRESS/PREFIX dev " + l.name() + " (for netext's, set addresses in the tunnel settings)",
                        List.of(l.name())));
            }
            if (s.sysctls().getOrDefault("net.ipv6.conf." + l.name() + ".disable_ipv6", 0) == 1) {
                List<String> v6 = s.ownerOf(l).map(g -> g.addressesOf(l.name())).orElse(List.of()).stream()
                        .filter(p -> p.indexOf(':') >= 0).toList();
                if (!v6.isEmpty()) {
                    out.add(new Conflict(Severity.ERROR, Conflict.IPV6_DISABLED,
                            "IPv6 is disabled on " + l.name() + " (net.ipv6.conf." + l.name() + ".disable_ipv6 = 1) but the tunnel requests "
                                    + String.join(", ", v6) + ": IPv6 traffic cannot use it",
                            "sysctl -w net.ipv6.conf." + l.name() + ".disable_ipv6=0 (and net.ipv6.conf.all.disable_ipv6=0), then restart the tunnel",
                            List.of(l.name())));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ default routes

    /** No default route that ordinary traffic takes: a warning for IPv4, a note for IPv6. */
    public static List<Conflict> defaultRoutes(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        for (IpFamily f : IpFamily.values()) {
            List<PolicyRouting.DefaultRoute> defaults = PolicyRouting.defaultRoutes(s, f);
            Optional<PolicyRouting.DefaultRoute> active = defaults.stream().filter(PolicyRouting.DefaultRoute::active).findFirst();
            Severity sev = f == IpFamily.V4 ? Severity.WARNING : Severity.INFO;
            String fam = NetworkSnapshot.familyName(f);
            String flag = f == IpFamily.V4 ? "" : "-6 ";
            if (active.isEmpty()) {
                out.add(new Conflict(sev, Conflict.NO_DEFAULT_ROUTE,
                        "no " + fam + " default route" + (defaults.isEmpty() ? "" : " for ordinary traffic")
                                + ": only destinations with a specific route are reachable",
                        "ip " + flag + "route add default via GATEWAY (or a tunnel with a default route)", List.of(fam)));
            } else if (!active.get().usable()) {
                Route r = active.get().route();
                out.add(new Conflict(sev, Conflict.NO_DEFAULT_ROUTE,
                        "the " + fam + " default route ordinary traffic takes is '" + r.type().name().toLowerCase(Locale.ROOT)
                                + " default' in table " + NetworkSnapshot.tableName(r.table()) + ": it is rejected",
                        "check rule " + Integer.toUnsignedString(active.get().rule().priority()) + " and table " + NetworkSnapshot.tableName(r.table()),
                        List.of(fam)));
            }
        }
        return out;
    }
}
