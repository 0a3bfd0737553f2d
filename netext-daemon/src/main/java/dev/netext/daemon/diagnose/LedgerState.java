package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerOwner.Place;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One state ledger of a netext instance as read by {@link Diagnosis}, of any {@link LedgerKind}: a tunnel's
 * ({@code /run/netext/tunnel-<netns>-<pid>.state}: links, addresses, routes, rules), the DNS interception's or the
 * flow layer's (nftables tables, fwmark rules, local routes), a packet filter's (iptables chains), a capture's.
 *
 * @param file       the ledger file
 * @param pid        the owner's pid, -1 if the owner line is unreadable
 * @param startTime  the owner's start time (clock ticks since boot), -1 if unknown
 * @param netns      the inode of the owner's network namespace, -1 if unknown
 * @param ownerAlive whether the owner still runs (same boot, pid and start time)
 * @param place      where its namespace is: this one (same inode and cookie), another, or one that is gone
 * @param entries    the objects it recorded, in order (the owner line excluded)
 */
public record LedgerState(Path file, int pid, long startTime, long netns, boolean ownerAlive, Place place,
                          List<LedgerEntry> entries) {
    public LedgerState {
        entries = List.copyOf(entries);
    }

    /** What kind of instance wrote it: the file name's prefix ({@code tunnel}, {@code dns}, {@code flow}…). */
    public String kind() {
        String name = file.getFileName().toString();
        int dash = name.indexOf('-');
        return dash > 0 ? name.substring(0, dash) : name;
    }

    /** Whether it was written in the namespace being diagnosed. */
    public boolean here() { return place == Place.HERE; }

    /** The nftables tables it recorded ({@code nft-table family=… name=…}), as {@code "inet netext-dns"}. */
    public Set<String> nftTables() {
        Set<String> out = new TreeSet<>();
        for (LedgerEntry e : entries)
            if (e.kind().equals("nft-table") && e.get("family") != null && e.get("name") != null)
                out.add(e.get("family") + " " + e.get("name"));
        return out;
    }

    /** Names of the links ({@code link name=…}) the ledger recorded. */
    public Set<String> linkNames() {
        Set<String> out = new TreeSet<>();
        for (LedgerEntry e : entries) if (e.kind().equals("link") && e.get("name") != null) out.add(e.get("name"));
        return out;
    }

    /** Whether the ledger recorded link {@code name}; when it also recorded an index, that must match too. */
    public boolean ownsLink(String name, int index) {
        for (LedgerEntry e : entries) {
            if (!e.kind().equals("link") || !name.equals(e.get("name"))) continue;
            String idx = e.get("index");
            if (idx == null || idx.equals(Integer.toString(index))) return true;
        }
        return false;
    }

    /** Routing tables named by its route and rule entries. */
    public Set<Integer> tables() {
        Set<Integer> out = new TreeSet<>();
        for (LedgerEntry e : entries) {
            if ((e.kind().equals("route") || e.kind().equals("rule")) && e.get("table") != null) {
                try {
                    out.add(Integer.parseInt(e.get("table")));
                } catch (NumberFormatException ignored) {
                    // a foreign or damaged entry: not ownership evidence
                }
            }
        }
        return out;
    }

    /** Whether it recorded a rule of {@code family} at {@code priority}. */
    public boolean ownsRule(IpFamily family, int priority) {
        String fam = family == IpFamily.V4 ? "4" : "6";
        for (LedgerEntry e : entries) {
            if (e.kind().equals("rule") && fam.equals(e.get("family"))
                    && Integer.toString(priority).equals(e.get("priority"))) return true;
        }
        return false;
    }

    /** The prefixes of its {@code addr} entries for link {@code dev}. */
    public List<String> addressesOf(String dev) {
        return entries.stream().filter(e -> e.kind().equals("addr") && dev.equals(e.get("dev")) && e.get("prefix") != null)
                .map(e -> e.get("prefix")).toList();
    }
}
