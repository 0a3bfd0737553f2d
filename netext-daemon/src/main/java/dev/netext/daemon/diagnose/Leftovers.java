package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.SysctlOverride;
import dev.netext.tunnel.killswitch.KillSwitchRuleset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The stale-state checks of {@code netext diagnose}: what netext instances that died without stopping left behind.
 *
 * <ul>
 *   <li>A ledger of this namespace whose owner is dead, with objects still in the kernel: an <b>error</b> — a crash
 *       left netext's state half there; the objects that black-hole traffic (a table that marks, redirects, TPROXYs
 *       or queues packets to a listener that is gone, a rule or route delivering to it, a queue without bypass) are
 *       named as such. With nothing of it left, only the file: a warning.</li>
 *   <li>A dead ledger of another namespace: a note; of a namespace that is gone (or whose inode a new one reuses):
 *       a note too, since its objects went with it.</li>
 *   <li>netext objects no ledger of this namespace names (rules at 10000–10999 with a 0x4e58 mark, tables
 *       52000–52999, nft tables {@code netext…}, iptables chains {@code NETEXT-…}): an error when they black-hole
 *       traffic, else a warning.</li>
 * </ul>
 * {@code netext diagnose --fix} undoes the dead ledgers with the recovery every component runs at its next start
 * ({@link LeftoverRecovery}).
 */
final class Leftovers {
    private Leftovers() {}

    /** A kill switch left behind blocks on purpose: said so, as it is no bug to report but a door to open. */
    private static final String KILL_SWITCH_EFFECT = "; it blocks all traffic outside the tunnel by design (a kill switch"
            + " fails closed when its netext is killed), so this host has no network but its local exceptions";
    private static final String FIX = "netext diagnose --fix (or start netext again: it recovers)";

    static List<Conflict> detect(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        for (LedgerState l : s.ledgers()) {
            if (l.ownerAlive()) continue;
            if (l.here()) out.add(deadLedgerHere(s, l));
            else out.add(deadLedgerElsewhere(l));
        }
        out.addAll(orphans(s));
        return out;
    }

    private static Conflict deadLedgerHere(NetworkSnapshot s, LedgerState l) {
        List<String> left = new ArrayList<>(), blackHoles = new ArrayList<>();
        Set<LedgerEntry> live = new HashSet<>();
        for (LedgerState g : s.liveLedgers()) live.addAll(g.entries());
        for (LedgerEntry e : l.entries()) {
            if (!present(s, e) || live.contains(e)) continue; // a running instance's object, as recovery sees it
            left.add(describe(e));
            if (blackHoles(s, e)) blackHoles.add(describe(e));
        }
        String who = "netext " + l.kind() + " ledger " + l.file() + " of dead process " + l.pid();
        if (left.isEmpty()) {
            return new Conflict(Severity.WARNING, Conflict.STALE_LEDGER,
                    "stale netext state: " + who + describeLedger(l) + "; none of its objects is left in the kernel",
                    FIX + ", or rm " + l.file(), List.of(l.file().toString()));
        }
        String effect = blackHoles.isEmpty() ? ""
                : "; traffic is black-holed by " + String.join(", ", blackHoles);
        if (l.kind().equals(LedgerKind.KILL_SWITCH.prefix())) effect += KILL_SWITCH_EFFECT;
        String nft = l.nftTables().stream().filter(t -> s.netfilter().nftTables().containsKey(t))
                .map(t -> "nft delete table " + t + "; ").collect(Collectors.joining());
        return new Conflict(Severity.ERROR, Conflict.STALE_LEDGER,
                "stale netext state: " + who + " left " + String.join(", ", left) + effect,
                FIX + (nft.isEmpty() ? "" : "; by hand: " + nft + "…"), List.of(l.file().toString()));
    }

    private static Conflict deadLedgerElsewhere(LedgerState l) {
        String where = switch (l.place()) {
            case GONE -> "a network namespace that no longer exists (" + l.netns()
                    + "; an inode a newer namespace may reuse), so its objects went with it";
            case ELSEWHERE, HERE -> "another network namespace (" + l.netns() + ")";
        };
        return new Conflict(Severity.INFO, Conflict.STALE_LEDGER,
                "ledger " + l.file() + " of dead process " + l.pid() + " belongs to " + where + describeLedger(l),
                switch (l.place()) {
                    case GONE -> "netext diagnose --fix discards it (any netext start does too)";
                    case ELSEWHERE, HERE -> "run `netext diagnose --fix` in that namespace";
                }, List.of(l.file().toString()));
    }

    /** Whether the object {@code e} names is still there (same name and, where recorded, same index). */
    static boolean present(NetworkSnapshot s, LedgerEntry e) {
        try {
            return switch (e.kind()) {
                case "nft-table" -> s.netfilter().hasTable(e.require("family"), e.require("name"));
                case "iptables-chain" -> s.netfilter().chains(family(e)).contains(e.require("chain"));
                case "iptables-jump" -> s.netfilter().hasRule(family(e), "-A " + e.require("from")
                        + (e.get("in") != null ? " -i " + e.get("in") : "") + " -j " + e.require("chain"));
                case "rule" -> s.rules(family(e)).stream().anyMatch(r -> Integer.toString(r.priority()).equals(e.get("priority"))
                        && (e.get("table") == null || Integer.toString(r.table()).equals(e.get("table"))));
                case "route" -> s.routes(family(e)).stream().anyMatch(r -> routeMatches(r, e));
                case "link" -> s.links().stream().anyMatch(k -> k.name().equals(e.get("name"))
                        && (e.get("index") == null || Integer.toString(k.index()).equals(e.get("index"))));
                case "addr" -> s.addresses().stream().anyMatch(a -> Integer.toString(a.linkIndex()).equals(e.get("index"))
                        && a.prefix().equals(IpPrefix.parse(e.require("prefix"))));
                case StateLedger.FILE_KIND -> Files.exists(Path.of(e.require("path")));
                case SysctlOverride.LEDGER_KIND -> sysctlInForce(e);
                // the copy goes once restored; without one (no file before) netext's file is the leftover
                case ResolvConf.ENTRY -> Files.exists(Path.of(e.get("saved") != null ? e.get("saved") : e.require("path")));
                default -> false;
            };
        } catch (IllegalArgumentException damaged) {
            return false;
        }
    }

    /** A parameter still at netext's value; one that cannot be read is not reported. */
    private static boolean sysctlInForce(LedgerEntry e) {
        try {
            return SysctlOverride.inForce(e);
        } catch (IOException unreadable) {
            return false;
        }
    }

    private static boolean routeMatches(Route r, LedgerEntry e) {
        if (!Integer.toString(r.table()).equals(e.require("table"))) return false;
        if (e.get("dst") != null) return r.destination().equals(IpPrefix.parse(e.get("dst")));
        return r.isDefault() && r.type() == Route.Type.LOCAL; // the flow layer's "local default dev lo"
    }

    /** Whether the present object {@code e} diverts traffic to something that is gone, or drops it. */
    static boolean blackHoles(NetworkSnapshot s, LedgerEntry e) {
        return switch (e.kind()) {
            case "nft-table" -> s.netfilter().tableDiverts(e.require("family") + " " + e.require("name"));
            case "iptables-chain" -> s.netfilter().chainDropsWithoutReader(family(e), e.require("chain"));
            case "rule" -> tableBlackHoles(s, family(e), Integer.parseInt(e.require("table")));
            case "route" -> s.routes(family(e)).stream().filter(r -> routeMatches(r, e)).anyMatch(r -> routeBlackHoles(s, r));
            case ResolvConf.ENTRY -> true; // names go to a loopback resolver that died with its process
            default -> false;
        };
    }

    /** A table some of whose routes end nowhere: local delivery to a gone listener, blackhole, or a dead TUN. */
    private static boolean tableBlackHoles(NetworkSnapshot s, IpFamily f, int table) {
        return s.routes(f).stream().filter(r -> r.table() == table).anyMatch(r -> routeBlackHoles(s, r));
    }

    private static boolean routeBlackHoles(NetworkSnapshot s, Route r) {
        if (r.table() == NetworkSnapshot.TABLE_LOCAL || r.table() == NetworkSnapshot.TABLE_MAIN) return false;
        return switch (r.type()) {
            case LOCAL, BLACKHOLE, UNREACHABLE, PROHIBIT -> true;
            case UNICAST -> s.link(r.outputInterface()).map(l -> NetworkSnapshot.isTun(l) && !l.running()).orElse(false);
            default -> false;
        };
    }

    private static IpFamily family(LedgerEntry e) {
        return "6".equals(e.get("family")) ? IpFamily.V6 : IpFamily.V4;
    }

    private static String describe(LedgerEntry e) {
        String fam = "6".equals(e.get("family")) ? "-6 " : "";
        return switch (e.kind()) {
            case "nft-table" -> "nft table " + e.get("family") + " " + e.get("name");
            case "iptables-chain" -> iptablesCommand(e) + " chain " + e.get("chain");
            case "iptables-jump" -> iptablesCommand(e) + " jump " + e.get("from")
                    + (e.get("in") != null ? " (in " + e.get("in") + ")" : "") + " → " + e.get("chain");
            case "rule" -> "ip " + fam + "rule " + e.get("priority") + " (table " + e.get("table") + ")";
            case "route" -> "ip " + fam + "route " + (e.get("dst") != null ? e.get("dst") : "local default") + " table " + e.get("table");
            case "link" -> "link " + e.get("name");
            case "addr" -> "address " + e.get("prefix") + " on " + e.get("dev");
            case SysctlOverride.LEDGER_KIND -> "sysctl " + e.get("name") + "=" + e.get("value") + " (was " + e.get("old") + ")";
            case ResolvConf.ENTRY -> e.get("path") + " pointed at netext ("
                    + (e.get("saved") != null ? "original kept in " + e.get("saved") : "there was none before") + ")";
            default -> e.toLine();
        };
    }

    private static String iptablesCommand(LedgerEntry e) { return "6".equals(e.get("family")) ? "ip6tables" : "iptables"; }

    static String describeLedger(LedgerState l) {
        if (l.entries().isEmpty()) return " (empty)";
        Set<String> kinds = new TreeSet<>();
        for (var e : l.entries()) kinds.add(e.kind());
        String s = " (" + l.entries().size() + " object(s): " + String.join(", ", kinds);
        if (!l.linkNames().isEmpty()) s += "; links " + String.join(", ", l.linkNames());
        if (!l.tables().isEmpty()) s += "; tables " + l.tables().stream().map(String::valueOf).collect(Collectors.joining(", "));
        if (!l.nftTables().isEmpty()) s += "; nft tables " + String.join(", ", l.nftTables());
        return s + ")";
    }

    // ------------------------------------------------------------------------------------------ orphans

    /** netext objects that no ledger of this namespace (live or dead) names. */
    static List<Conflict> orphans(NetworkSnapshot s) {
        List<Conflict> out = new ArrayList<>();
        List<LedgerState> here = s.ledgers().stream().filter(LedgerState::here).toList();
        for (IpFamily f : IpFamily.values()) {
            List<Rule> rules = s.rules(f);
            for (Rule r : rules) {
                if (!ConflictDetector.isNetextRule(r, rules)) continue;
                if (here.stream().anyMatch(l -> l.ownsRule(f, r.priority()) || l.tables().contains(r.table())
                        && r.table() != NetworkSnapshot.TABLE_MAIN)) continue;
                String flag = f == IpFamily.V4 ? "" : "-6 ";
                boolean bh = tableBlackHoles(s, f, r.table());
                out.add(new Conflict(bh ? Severity.ERROR : Severity.WARNING, Conflict.ORPHAN_RULE,
                        "netext rule '" + ConflictDetector.ruleText(r) + "' (" + NetworkSnapshot.familyName(f) + ") is owned by no netext instance"
                                + (bh ? "; it black-holes traffic: table " + r.table() + " delivers it nowhere" : ""),
                        "ip " + flag + "rule del priority " + Integer.toUnsignedString(r.priority()),
                        List.of(Integer.toUnsignedString(r.priority()))));
            }
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Route r : s.routes()) {
            if (!NetworkSnapshot.isNetextTable(r.table())) continue;
            if (here.stream().anyMatch(l -> l.tables().contains(r.table()))) continue;
            if (!seen.add(r.family() + "/" + r.table())) continue;
            long n = s.routes(r.family()).stream().filter(x -> x.table() == r.table()).count();
            String flag = r.family() == IpFamily.V4 ? "" : "-6 ";
            boolean bh = tableBlackHoles(s, r.family(), r.table());
            out.add(new Conflict(bh ? Severity.ERROR : Severity.WARNING, Conflict.ORPHAN_TABLE,
                    "netext routing table " + r.table() + " (" + NetworkSnapshot.familyName(r.family()) + ") holds " + n
                            + " route(s) but no netext instance owns it" + (bh ? "; some deliver traffic nowhere" : ""),
                    "ip " + flag + "route flush table " + r.table(), List.of(Integer.toString(r.table()))));
        }
        for (String t : s.netfilter().nftTables().keySet()) {
            if (here.stream().anyMatch(l -> l.nftTables().contains(t))) continue;
            boolean bh = s.netfilter().tableDiverts(t);
            boolean killSwitch = t.equals(KillSwitchRuleset.FAMILY + " " + KillSwitchRuleset.TABLE);
            out.add(new Conflict(bh || killSwitch ? Severity.ERROR : Severity.WARNING, Conflict.ORPHAN_NFT_TABLE,
                    "nft table " + t + " is owned by no netext instance" + (bh
                            ? "; it diverts traffic to a netext listener that is gone (black hole)" : "")
                            + (killSwitch ? KILL_SWITCH_EFFECT : ""),
                    "nft delete table " + t, List.of(t)));
        }
        for (IpFamily f : IpFamily.values()) {
            for (String chain : s.netfilter().chains(f)) {
                String fam = f == IpFamily.V4 ? "4" : "6";
                if (here.stream().anyMatch(l -> l.entries().stream().anyMatch(e -> e.kind().equals("iptables-chain")
                        && chain.equals(e.get("chain")) && fam.equals(e.get("family"))))) continue;
                boolean bh = s.netfilter().chainDropsWithoutReader(f, chain);
                String cmd = f == IpFamily.V4 ? "iptables" : "ip6tables";
                out.add(new Conflict(bh ? Severity.ERROR : Severity.WARNING, Conflict.ORPHAN_CHAIN,
                        cmd + " chain " + chain + " is owned by no netext instance" + (bh
                                ? "; it queues packets that no process reads, so the kernel drops them" : ""),
                        cmd + " -F " + chain + " and -X " + chain + " after removing the jumps to it",
                        List.of(chain)));
            }
        }
        return out;
    }
}
