package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.Address;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerOwner.Place;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A hand-built {@link NetworkSnapshot}: the kernel's default rules, plus whatever a test adds. */
final class Snap {
    static final long NETNS = 4026532999L;
    static final int UP = 0x1 | 0x40; // IFF_UP | IFF_RUNNING

    final List<Link> links = new ArrayList<>();
    final List<Address> addresses = new ArrayList<>();
    final List<Route> routes = new ArrayList<>();
    final List<Rule> rules = new ArrayList<>(List.of(
            Rule.lookup(IpFamily.V4, 255).withPriority(0), Rule.lookup(IpFamily.V4, 254).withPriority(32766),
            Rule.lookup(IpFamily.V4, 253).withPriority(32767),
            Rule.lookup(IpFamily.V6, 255).withPriority(0), Rule.lookup(IpFamily.V6, 254).withPriority(32766)));
    final Map<String, Integer> sysctls = new HashMap<>(Map.of("net.ipv4.conf.all.rp_filter", 0,
            "net.ipv4.conf.all.src_valid_mark", 0));
    final List<LedgerState> ledgers = new ArrayList<>();
    NetfilterState netfilter = NetfilterState.EMPTY;

    Snap link(int index, String name, String kind, boolean up, String... addrs) {
        links.add(new Link(index, name, up ? UP : 0, 1500, kind));
        for (String a : addrs) addresses.add(new Address(index, IpPrefix.parse(a), 0, 0, null));
        return this;
    }

    Snap tun(int index, String name, String... addrs) { return link(index, name, "tun", true, addrs); }

    Snap route(String dst, int dev, int table) {
        routes.add(Route.to(IpPrefix.parse(dst)).withOutputInterface(dev).withTable(table));
        return this;
    }

    Snap route(Route r) {
        routes.add(r);
        return this;
    }

    Snap rule(Rule r) {
        rules.add(r);
        return this;
    }

    Snap sysctl(String name, int value) {
        sysctls.put(name, value);
        return this;
    }

    Snap ledger(String file, boolean alive, long netns, String... lines) {
        List<LedgerEntry> entries = new ArrayList<>();
        for (String l : lines) entries.add(LedgerEntry.parse(l));
        ledgers.add(new LedgerState(Path.of("/run/netext", file), 4242, 77, netns, alive,
                netns == NETNS ? Place.HERE : Place.ELSEWHERE, entries));
        return this;
    }

    NetworkSnapshot build() {
        return new NetworkSnapshot(NETNS, Path.of("/run/netext"), links, addresses, routes, rules, sysctls, netfilter, ledgers,
                List.of());
    }

    List<Conflict> detect() { return ConflictDetector.detect(build()); }

    static List<Conflict> only(List<Conflict> cs, String code) {
        return cs.stream().filter(c -> c.code().equals(code)).toList();
    }
}
