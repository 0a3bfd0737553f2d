package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.netlink.Address;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code netext diagnose} knows about one network namespace, read at one moment by {@link Diagnosis}.
 * A plain value: {@link ConflictDetector} works on hand-built snapshots as well as on the kernel's.
 *
 * @param namespaceInode   inode of the network namespace that was read
 * @param stateDir         the directory the ledgers were read from
 * @param links            all links
 * @param addresses        all IPv4 and IPv6 addresses
 * @param routes           all routes of both families in all tables (cached clones excluded)
 * @param rules            the policy rules of both families
 * @param sysctls          the {@code /proc/sys} values the checks need, by dotted name
 *                         ({@code net.ipv4.conf.all.rp_filter}, {@code net.ipv4.conf.netext0.rp_filter}…); missing
 *                         values are absent, not 0
 * @param netfilter        netext's nftables tables and iptables chains in this namespace
 * @param ledgers          the ledgers of every kind found in {@code stateDir}, of every namespace
 * @param collectionErrors what could not be read (the snapshot is then partial), one line each
 */
public record NetworkSnapshot(long namespaceInode, Path stateDir, List<Link> links, List<Address> addresses,
                              List<Route> routes, List<Rule> rules, Map<String, Integer> sysctls,
                              NetfilterState netfilter, List<LedgerState> ledgers, List<String> collectionErrors) {
    /** Tables 52000–52999: {@code NetlinkConfigurator.TABLE_BASE + ifindex % 1000}. */
    public static final int NETEXT_TABLE_MIN = 52_000, NETEXT_TABLE_MAX = 52_999;
    /** Rule priorities 10000–10999: {@code NetlinkConfigurator.PRIORITY_BASE + 2 * (ifindex % 1000)} (and one lower). */
    public static final int NETEXT_PRIORITY_MIN = 10_000, NETEXT_PRIORITY_MAX = 10_999;
    /** High half of netext's bypass marks, {@code NetlinkConfigurator.MARK_BASE}. */
    public static final int NETEXT_MARK_BASE = 0x4e58_0000;
    public static final int TABLE_LOCAL = 255, TABLE_MAIN = 254, TABLE_DEFAULT = 253;

    public NetworkSnapshot {
        links = List.copyOf(links);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        rules = rules.stream().sorted(Comparator.comparingLong(r -> Integer.toUnsignedLong(r.priority()))).toList();
        sysctls = Map.copyOf(sysctls);
        ledgers = List.copyOf(ledgers);
        collectionErrors = List.copyOf(collectionErrors);
    }

    public Optional<Link> link(int index) {
        return links.stream().filter(l -> l.index() == index).findFirst();
    }

    /** The link's name, or {@code #N} for an index that is not (or no longer) a link. */
    public String linkName(int index) {
        return link(index).map(Link::name).orElse("#" + index);
    }

    public static boolean isTun(Link l) { return "tun".equals(l.kind()); }

    public boolean isTun(int index) { return link(index).map(NetworkSnapshot::isTun).orElse(false); }

    /** TUN devices, by index. */
    public List<Link> tunDevices() {
        return links.stream().filter(NetworkSnapshot::isTun).sorted(Comparator.comparingInt(Link::index)).toList();
    }

    public List<Address> addressesOf(int linkIndex) {
        return addresses.stream().filter(a -> a.linkIndex() == linkIndex).toList();
    }

    public List<Rule> rules(IpFamily family) {
        return rules.stream().filter(r -> r.family() == family).toList();
    }

    public List<Route> routes(IpFamily family) {
        return routes.stream().filter(r -> r.family() == family).toList();
    }

    /** Ledgers of this namespace whose owner runs: the only evidence of what netext currently owns. */
    public List<LedgerState> liveLedgers() {
        return ledgers.stream().filter(l -> l.ownerAlive() && l.here()).toList();
    }

    /** Ledgers of this namespace whose owner died: what a crash left to undo. */
    public List<LedgerState> deadLedgersHere() {
        return ledgers.stream().filter(l -> !l.ownerAlive() && l.here()).toList();
    }

    /** The live ledger that names TUN device {@code l}, if any: the device is then "ours". */
    public Optional<LedgerState> ownerOf(Link l) {
        return liveLedgers().stream().filter(g -> g.ownsLink(l.name(), l.index())).findFirst();
    }

    public Optional<Integer> sysctl(String name) {
        return Optional.ofNullable(sysctls.get(name));
    }

    /** The rp_filter the kernel applies on {@code dev}: max(all, dev); -1 if neither is known. */
    public int effectiveRpFilter(String dev) {
        return Math.max(sysctls.getOrDefault("net.ipv4.conf.all.rp_filter", -1),
                sysctls.getOrDefault("net.ipv4.conf." + dev + ".rp_filter", -1));
    }

    /** src_valid_mark on {@code dev}: all OR dev. */
    public boolean effectiveSrcValidMark(String dev) {
        return sysctls.getOrDefault("net.ipv4.conf.all.src_valid_mark", 0) > 0
                || sysctls.getOrDefault("net.ipv4.conf." + dev + ".src_valid_mark", 0) > 0;
    }

    public static boolean isNetextTable(int table) {
        return table >= NETEXT_TABLE_MIN && table <= NETEXT_TABLE_MAX;
    }

    public static boolean isNetextMark(int mark) {
        return (mark & 0xFFFF_0000) == NETEXT_MARK_BASE;
    }

    /** Names tables as {@code ip} does: main, local, default, else the number. */
    public static String tableName(int table) {
        return switch (table) {
            case TABLE_MAIN -> "main";
            case TABLE_LOCAL -> "local";
            case TABLE_DEFAULT -> "default";
            default -> Integer.toUnsignedString(table);
        };
    }

    public static String familyName(IpFamily f) { return f == IpFamily.V4 ? "ipv4" : "ipv6"; }
}
