package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the kernel's policy routing does with a packet, approximated from rules and routes alone — enough to tell
 * whether two routing tables can be consulted by the same lookup, and which default route ordinary traffic takes.
 *
 * <p>The model: rules are tried in priority order; a rule whose selector matches and whose action is "lookup TABLE"
 * consults the table, and the lookup ends at the first route found there (unless the rule's
 * {@code suppress_prefixlength} rejects it). Selectors are compared conservatively: two selectors are "compatible"
 * unless they provably match disjoint packets (non-overlapping from/to prefixes, different iif/oif, fwmarks that
 * differ under both masks, or a selector and its exact negation). Goto, nop and terminal actions are not followed.
 */
public final class PolicyRouting {
    private PolicyRouting() {}

    /**
     * A default route reachable through a rule.
     *
     * @param rule   the first rule (in priority order) that consults the route's table without suppressing it
     * @param route  the default route
     * @param active whether ordinary traffic (originated here, unmarked, to any destination) takes this route
     */
    public record DefaultRoute(Rule rule, Route route, boolean active) {
        public IpFamily family() { return route.family(); }

        /** Whether the route forwards packets (a unicast route), rather than rejecting them. */
        public boolean usable() { return route.type() == Route.Type.UNICAST; }
    }

    /** Two routes whose tables are consulted by one lookup, and the rules through which that happens. */
    public record SharedLookup(Rule first, Rule second) {}

    /** The effective fwmark mask: the kernel treats a mark without a mask as an exact match. */
    static int mask(Rule r) {
        return r.fwmask() == 0 && r.fwmark() != 0 ? 0xFFFF_FFFF : r.fwmask();
    }

    /** Whether the rule's selector matches traffic this host originates, unmarked, to any destination. */
    public static boolean matchesOrdinary(Rule r) {
        boolean sel = (r.from() == null || r.from().length() == 0) && (r.to() == null || r.to().length() == 0)
                && (r.iifName() == null || r.iifName().equals("lo")) && r.oifName() == null
                && (mask(r) == 0 || r.fwmark() == 0);
        return r.invert() != sel;
    }

    /** Whether some packet can match both selectors (conservative: true unless provably disjoint). */
    public static boolean compatible(Rule a, Rule b) {
        if (a.invert() || b.invert()) return a.invert() == b.invert() || !sameSelector(a, b);
        if (a.from() != null && b.from() != null && !a.from().overlaps(b.from())) return false;
        if (a.to() != null && b.to() != null && !a.to().overlaps(b.to())) return false;
        if (a.iifName() != null && b.iifName() != null && !a.iifName().equals(b.iifName())) return false;
        if (a.oifName() != null && b.oifName() != null && !a.oifName().equals(b.oifName())) return false;
        int m = mask(a) & mask(b);
        return (a.fwmark() & m) == (b.fwmark() & m);
    }

    private static boolean sameSelector(Rule a, Rule b) {
        return Objects.equals(a.from(), b.from()) && Objects.equals(a.to(), b.to())
                && Objects.equals(a.iifName(), b.iifName()) && Objects.equals(a.oifName(), b.oifName())
                && a.fwmark() == b.fwmark() && mask(a) == mask(b);
    }

    /**
     * Whether rule {@code r} consults {@code route}'s table for destinations in {@code region} and accepts the route
     * (its prefix is longer than the rule's {@code suppress_prefixlength}).
     */
    public static boolean reaches(Rule r, Route route, IpPrefix region) {
        return r.action() == Rule.Action.TO_TABLE && r.family() == route.family() && r.table() == route.table()
                && route.destination().length() > r.suppressPrefixLength()
                && (r.to() == null || r.to().overlaps(region));
    }

    /**
     * The first pair of rules, in priority order, through which one lookup can consult the tables of both routes for
     * destinations in both prefixes; empty if no lookup consults both (a table no rule reaches is never consulted).
     */
    public static Optional<SharedLookup> sharedLookup(List<Rule> rules, Route a, Route b) {
        if (a.family() != b.family() || !a.destination().overlaps(b.destination())) return Optional.empty();
        IpPrefix region = a.destination().length() >= b.destination().length() ? a.destination() : b.destination();
        List<Rule> sorted = sortedRules(rules, a.family());
        for (int i = 0; i < sorted.size(); i++) {
            Rule x = sorted.get(i);
            boolean xa = reaches(x, a, region), xb = reaches(x, b, region);
            if (!xa && !xb) continue;
            if (xa && xb) return Optional.of(new SharedLookup(x, x));
            Route other = xa ? b : a;
            for (int j = i + 1; j < sorted.size(); j++) {
                Rule y = sorted.get(j);
                if (reaches(y, other, region) && compatible(x, y)) return Optional.of(new SharedLookup(x, y));
            }
        }
        return Optional.empty();
    }

    /**
     * Of two overlapping routes consulted by one lookup, the one that gets the traffic to the prefix they share:
     * in one table the longer prefix, then the lower metric; across tables the one whose table is consulted first.
     * Empty when the kernel's choice is not determined by these (equal prefix and metric in one table).
     */
    public static Optional<Route> winner(Route a, Route b, SharedLookup via) {
        if (a.table() == b.table()) {
            int la = a.destination().length(), lb = b.destination().length();
            if (la != lb) return Optional.of(la > lb ? a : b);
            if (a.metric() != b.metric())
                return Optional.of(Integer.compareUnsigned(a.metric(), b.metric()) < 0 ? a : b);
            return Optional.empty();
        }
        return Optional.of(via.first().table() == a.table() ? a : b);
    }

    /**
     * Default routes of {@code family} reachable through the rules, in the order lookups meet them; the one ordinary
     * traffic takes is marked active (there is none if no rule matching ordinary traffic leads to one). Throw routes
     * are skipped (the lookup continues past them); unreachable, blackhole and prohibit defaults are listed, as they
     * end the lookup.
     */
    public static List<DefaultRoute> defaultRoutes(NetworkSnapshot s, IpFamily family) {
        List<DefaultRoute> out = new ArrayList<>();
        Set<Route> seen = new HashSet<>();
        boolean activeFound = false;
        for (Rule rule : sortedRules(s.rules(), family)) {
            if (rule.action() != Rule.Action.TO_TABLE) continue;
            List<Route> defaults = s.routes(family).stream()
                    .filter(r -> r.isDefault() && r.type() != Route.Type.THROW && reaches(rule, r, r.destination()))
                    .sorted(Comparator.comparingLong(r -> Integer.toUnsignedLong(r.metric())))
                    .toList();
            for (int i = 0; i < defaults.size(); i++) {
                Route d = defaults.get(i);
                if (!seen.add(d)) continue;
                boolean active = !activeFound && i == 0 && matchesOrdinary(rule);
                if (active) activeFound = true;
                out.add(new DefaultRoute(rule, d, active));
            }
            if (!defaults.isEmpty() && matchesOrdinary(rule)) activeFound = true;
        }
        return out;
    }

    /** Whether any rule of {@code family} selects on a firewall mark (wg-quick's and netext's full-tunnel setup). */
    public static boolean fwmarkRoutingInUse(List<Rule> rules, IpFamily family) {
        return rules.stream().anyMatch(r -> r.family() == family && (r.fwmark() != 0 || r.fwmask() != 0));
    }

    static List<Rule> sortedRules(List<Rule> rules, IpFamily family) {
        return rules.stream().filter(r -> r.family() == family)
                .sorted(Comparator.comparingLong(r -> Integer.toUnsignedLong(r.priority()))).toList();
    }
}
