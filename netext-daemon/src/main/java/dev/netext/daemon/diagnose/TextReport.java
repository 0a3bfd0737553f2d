package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The human form of a {@link Diagnosis.Report}: sections with aligned columns — TUN devices, links with addresses,
 * routes per table, policy rules, default routes, then the conflicts, each marked ✗ (error), ! (warning) or
 * i (note) with its fix.
 */
public final class TextReport {
    private TextReport() {}

    /**
     * @param all also show the local table (hidden by default: it only holds the host's own and broadcast
     *            addresses)
     */
    public static String render(Diagnosis.Report report, boolean all) {
        NetworkSnapshot s = report.snapshot();
        StringBuilder sb = new StringBuilder();
        sb.append("netext diagnose: network namespace ").append(s.namespaceInode())
                .append(", state ").append(s.stateDir()).append("\n\n");

        sb.append("TUN devices\n");
        List<Link> tuns = s.tunDevices();
        if (tuns.isEmpty()) sb.append("  (none)\n");
        else {
            List<String[]> rows = Format.rows(new String[] {"NAME", "INDEX", "STATE", "MTU", "OWNER", "ADDRESSES"});
            for (Link l : tuns) {
                String owner = s.ownerOf(l).map(g -> "ours (pid " + g.pid() + ")").orElse("foreign");
                rows.add(new String[] {l.name(), Integer.toString(l.index()), Format.state(l), Integer.toString(l.mtu()),
                        owner, Format.addresses(s, l)});
            }
            sb.append(Format.columns("  ", rows));
        }

        sb.append("\nLinks\n");
        List<String[]> rows = Format.rows(new String[] {"NAME", "INDEX", "KIND", "STATE", "MTU", "RP_FILTER", "ADDRESSES"});
        for (Link l : s.links().stream().sorted(Comparator.comparingInt(Link::index)).toList()) {
            int rp = s.effectiveRpFilter(l.name());
            rows.add(new String[] {l.name(), Integer.toString(l.index()), l.kind() == null ? "-" : l.kind(), Format.state(l),
                    Integer.toString(l.mtu()), rp < 0 ? "-" : rp == 0 ? "off" : rp == 1 ? "strict" : "loose",
                    Format.addresses(s, l)});
        }
        sb.append(Format.columns("  ", rows));

        sb.append("\nRoutes\n");
        Map<String, List<Route>> byTable = new TreeMap<>();
        for (IpFamily f : IpFamily.values()) {
            for (Route r : s.routes(f)) {
                if (r.table() == NetworkSnapshot.TABLE_LOCAL && !all) continue;
                byTable.computeIfAbsent(tableKey(f, r.table()), k -> new ArrayList<>()).add(r);
            }
        }
        if (byTable.isEmpty()) sb.append("  (none)\n");
        for (var e : byTable.entrySet()) {
            Route first = e.getValue().getFirst();
            int t = first.table();
            sb.append("  table ").append(NetworkSnapshot.tableName(t)).append(" (").append(NetworkSnapshot.familyName(first.family()))
                    .append(")").append(NetworkSnapshot.isNetextTable(t) ? " [netext]" : "").append('\n');
            for (Route r : e.getValue()) sb.append("    ").append(Format.route(r, s)).append('\n');
        }
        if (!all) sb.append("  (table local hidden; --all shows it)\n");

        sb.append("\nPolicy rules\n");
        for (IpFamily f : IpFamily.values()) {
            sb.append("  ").append(NetworkSnapshot.familyName(f)).append('\n');
            List<String[]> rr = new ArrayList<>();
            for (Rule r : s.rules(f)) {
                String text = ConflictDetector.ruleText(r);
                int colon = text.indexOf(": ");
                rr.add(new String[] {text.substring(0, colon + 1), text.substring(colon + 2)});
            }
            if (rr.isEmpty()) sb.append("    (none)\n");
            else sb.append(Format.columns("    ", rr));
        }

        sb.append("\nDefault routes\n");
        for (IpFamily f : IpFamily.values()) {
            List<PolicyRouting.DefaultRoute> ds = report.defaultRoutes().stream().filter(d -> d.family() == f).toList();
            if (ds.isEmpty()) {
                sb.append("  ").append(NetworkSnapshot.familyName(f)).append("  (none)\n");
                continue;
            }
            List<String[]> dr = new ArrayList<>();
            for (PolicyRouting.DefaultRoute d : ds) {
                dr.add(new String[] {NetworkSnapshot.familyName(f), Format.route(d.route(), s),
                        "table " + NetworkSnapshot.tableName(d.route().table()),
                        "via rule " + ConflictDetector.ruleText(d.rule()),
                        d.active() ? "<- ordinary traffic" : ""});
            }
            sb.append(Format.columns("  ", dr));
        }

        if (!s.ledgers().isEmpty()) {
            sb.append("\nLedgers (").append(s.stateDir()).append(")\n");
            List<String[]> lr = Format.rows(new String[] {"FILE", "KIND", "PID", "OWNER", "NAMESPACE", "OBJECTS"});
            for (LedgerState l : s.ledgers()) {
                lr.add(new String[] {l.file().getFileName().toString(), l.kind(), Integer.toString(l.pid()), l.ownerAlive() ? "alive" : "dead",
                        l.here() ? "this" : Long.toString(l.netns()), Integer.toString(l.entries().size())});
            }
            sb.append(Format.columns("  ", lr));
        }

        if (!s.collectionErrors().isEmpty()) {
            sb.append("\nNot read\n");
            for (String e : s.collectionErrors()) sb.append("  ").append(e).append('\n');
        }

        sb.append("\nConflicts\n");
        if (report.conflicts().isEmpty()) sb.append("  ✓ none\n");
        for (Conflict c : report.conflicts()) {
            sb.append("  ").append(c.severity().marker()).append(' ').append(String.format("%-8s", c.severity().label()))
                    .append(c.code()).append(": ").append(c.message()).append('\n');
            sb.append("    ").append(" ".repeat(9)).append("fix: ").append(c.fix()).append('\n');
        }
        sb.append('\n').append(plural(report.count(Severity.ERROR), "error")).append(", ")
                .append(plural(report.count(Severity.WARNING), "warning")).append(", ")
                .append(plural(report.count(Severity.INFO), "note")).append('\n');
        return sb.toString();
    }

    /** Sorts main first, then local, default, then numbered tables; IPv4 before IPv6 within a table. */
    private static String tableKey(IpFamily f, int table) {
        int order = switch (table) {
            case NetworkSnapshot.TABLE_MAIN -> 0;
            case NetworkSnapshot.TABLE_LOCAL -> 1;
            case NetworkSnapshot.TABLE_DEFAULT -> 2;
            default -> 3;
        };
        return order + String.format("%010d", Integer.toUnsignedLong(table)) + f.version();
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
