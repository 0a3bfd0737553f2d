package dev.netext.cli;

import dev.netext.daemon.diagnose.Diagnosis;
import dev.netext.daemon.diagnose.JsonReport;
import dev.netext.daemon.diagnose.LeftoverRecovery;
import dev.netext.daemon.diagnose.TextReport;
import dev.netext.linux.state.StateLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code netext diagnose [--json] [--all] [--fix] [--state-dir DIR]}: everything that decides where this network namespace
 * sends packets, read over rtnetlink, and what in it conflicts — for the developer whose tunnel cannot reach its
 * backend. Read-only (but for {@code --fix}); works without root except for ledgers the user may not read and
 * netfilter state.
 *
 * <p>Checks (see {@code ConflictDetector}): routes of two devices, one a TUN, with identical or nested prefixes in
 * tables one lookup consults (error between two TUNs or for an identical prefix, else warning); stale netext state
 * (ledgers of dead instances of every kind — tunnel, DNS interception, flow layer, packet filter, capture — whose
 * objects are still in the kernel: errors; netext rules at priorities 10000–10999 with 0x4e58 marks, tables
 * 52000–52999, nft tables {@code netext…} or iptables chains {@code NETEXT-…} that no ledger names: errors when they
 * black-hole traffic); strict {@code rp_filter} on a TUN device, or on the default-route link while fwmark policy
 * routing is in use; TUN devices down, without carrier (no process holds them) or without address; IPv6 disabled
 * on a TUN device given IPv6 addresses; no default route.
 *
 * <p>{@code --fix} first undoes the ledgers of dead instances of this namespace (and discards those of namespaces
 * that are gone) with the recovery each component runs at its start, prints what it undid, then diagnoses.
 *
 * <p>Exit code: 0 when no conflict of severity {@code error} was found, 1 otherwise (2 for usage errors).
 *
 * <h2>JSON ({@code --json})</h2>
 * One document; field names are stable ({@code formatVersion} is bumped if one is removed or changes meaning):
 * <pre>
 * formatVersion    1
 * namespaceInode   inode of the network namespace examined
 * stateDir         where ledgers were read
 * exitCode         0 or 1, as the process exits
 * summary          {errors, warnings, infos}: counts of conflicts per severity
 * tunDevices[]     {name, index, up, running, mtu, owner: "ours"|"foreign", ownerPid, ledger, addresses[]}
 *                  ("ours" = named in a live netext ledger of this namespace; ownerPid/ledger null if foreign)
 * links[]          {name, index, kind, tun, up, running, mtu, rpFilter (effective: max(all, dev); null if unknown),
 *                  addresses[] ("10.7.0.1/24")}
 * routes[]         {family: "ipv4"|"ipv6", table ("main", "52005"…), tableId, destination, type ("unicast",
 *                  "throw"…), dev, devIndex, gateway, metric, protocol, scope, preferredSource, netextTable, text}
 *                  (table local only with --all; text as `ip route` prints it)
 * rules[]          {family, priority, action ("to_table"…), table, tableId, fwmark ("0x4e580005"), fwmask, invert,
 *                  suppressPrefixLength, from, to, iif, oif, netext, text} in priority order, as `ip rule` prints
 * defaultRoutes[]  {family, table, tableId, type, dev, gateway, metric, rulePriority, rule, active, text}: default
 *                  routes reachable through the rules, in the order lookups meet them; active = the one ordinary
 *                  (unmarked, locally originated) traffic takes
 * ledgers[]        {file, kind (tunnel|dns|flow|pfilter|capture), pid, ownerAlive, netns, thisNamespace,
 *                  namespace ("here"|"elsewhere"|"gone": by inode and cookie, "gone" also for a reused inode),
 *                  links[], tables[], nftTables[], entries[]}
 * sysctls          {"net.ipv4.conf.all.rp_filter": 2, "net.ipv4.conf.DEV.src_valid_mark": 0,
 *                  "net.ipv6.conf.DEV.disable_ipv6": 0, …}
 * collectionErrors[] what could not be read (the report is then partial)
 * conflicts[]      {severity: "error"|"warning"|"info", code, message, fix, subjects[]}, errors first; codes:
 *                  route-overlap, stale-ledger, orphan-rule, orphan-table, orphan-nft-table, orphan-chain, rp-filter-strict, tun-down,
 *                  tun-no-carrier, tun-no-address, ipv6-disabled, no-default-route
 * </pre>
 * Null values are written as JSON {@code null}, never omitted.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = {"Show TUN devices, addresses, routes per table, policy rules and default routes of this network "
                + "namespace, and what conflicts in them: overlapping tunnel routes, stale netext state, strict rp_filter, "
                + "TUN devices down or unaddressed, missing default routes.",
                "With --fix, first undo what netext instances that died without stopping left in this namespace.",
                "Exit code 0 if nothing of severity error was found, 1 otherwise."})
public final class DiagnoseCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON document (field names are documented and stable).")
    boolean json;

    @Option(names = "--all", description = "Also show the local routing table.")
    boolean all;

    @Option(names = "--fix", description = "First undo what dead netext instances left in this network namespace "
            + "(the recovery netext runs at start), then diagnose.")
    boolean fix;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where netext keeps its state ledgers (default: ${DEFAULT-VALUE}).")
    Path stateDir = StateLedger.DEFAULT_DIR;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        if (fix) printFixed(json ? System.err : out, LeftoverRecovery.recoverAll(stateDir));
        Diagnosis.Report report = Diagnosis.run(stateDir);
        out.print(json ? JsonReport.render(report, all) + "\n" : TextReport.render(report, all));
        out.flush();
        return report.exitCode();
    }

    /** One line per ledger undone, per object that could not be, per kind that failed; to stderr under --json. */
    private static void printFixed(PrintStream out, List<LeftoverRecovery.Outcome> outcomes) {
        int n = 0;
        for (LeftoverRecovery.Outcome o : outcomes) {
            if (o.failure() != null) out.println("fix: " + o.kind().description() + ": " + o.failure());
            for (StateLedger.Recovery r : o.recovered()) {
                n++;
                out.println("fix: undid " + r.undone().size() + " object(s) of dead " + o.kind().description()
                        + " (pid " + r.pid() + ", " + r.ledger() + ")");
                for (String e : r.errors()) out.println("fix:   could not undo " + e);
            }
        }
        if (n == 0) out.println("fix: no dead netext instance left anything in this network namespace");
        out.println();
        out.flush();
    }
}
