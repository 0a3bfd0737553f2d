package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.dns.intercept.DnsInterception;
import dev.netext.linux.netlink.Address;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.ProcessInfo;
import dev.netext.linux.sys.Sysctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the calling thread's network namespace into a {@link NetworkSnapshot} — links, addresses, routes and rules
 * over rtnetlink, the rp_filter/src_valid_mark/disable_ipv6 knobs from {@code /proc/sys}, and the tunnel and DNS
 * interception ledgers of the state directory — and runs the {@link ConflictDetector} over it. Run it on a thread inside the namespace to
 * diagnose ({@code NetworkNamespace.runInside}); nothing here changes the system.
 *
 * <p>What cannot be read (a ledger deleted while reading, a missing sysctl) is left out and noted in
 * {@link NetworkSnapshot#collectionErrors()}; only a failure to talk rtnetlink at all is an exception.
 */
public final class Diagnosis {
    private Diagnosis() {}

    /**
     * A snapshot and what was found in it.
     *
     * @param snapshot      the namespace as read
     * @param defaultRoutes the default routes of both families, as {@link PolicyRouting#defaultRoutes} orders them
     * @param conflicts     the findings, errors first
     */
    public record Report(NetworkSnapshot snapshot, List<PolicyRouting.DefaultRoute> defaultRoutes,
                         List<Conflict> conflicts) {
        public Report {
            defaultRoutes = List.copyOf(defaultRoutes);
            conflicts = List.copyOf(conflicts);
        }

        public long count(Severity s) {
            return conflicts.stream().filter(c -> c.severity() == s).count();
        }

        /** 0 when nothing of severity error was found, else 1: the exit code of {@code netext diagnose}. */
        public int exitCode() { return count(Severity.ERROR) > 0 ? 1 : 0; }
    }

    /** Reads the namespace and analyses it. */
    public static Report run(Path stateDir) throws IOException {
        return analyse(collect(stateDir));
    }

    /** Analyses a snapshot (pure). */
    public static Report analyse(NetworkSnapshot s) {
        List<PolicyRouting.DefaultRoute> defaults = new ArrayList<>();
        for (IpFamily f : IpFamily.values()) defaults.addAll(PolicyRouting.defaultRoutes(s, f));
        return new Report(s, defaults, ConflictDetector.detect(s));
    }

    /** Reads the calling thread's network namespace and the ledgers in {@code stateDir}. */
    public static NetworkSnapshot collect(Path stateDir) throws IOException {
        List<String> errors = new ArrayList<>();
        long inode = NetworkNamespace.currentInode();
        List<Link> links;
        List<Address> addresses;
        List<Route> routes = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        try (RtNetlink rtnl = RtNetlink.open()) {
            links = rtnl.links();
            addresses = rtnl.addresses();
            for (IpFamily f : IpFamily.values()) {
                routes.addAll(rtnl.routes(f));
                rules.addAll(rtnl.rules(f));
            }
        }
        Map<String, Integer> sysctls = readSysctls(links, errors);
        List<LedgerState> ledgers = readLedgers(stateDir, errors);
        return new NetworkSnapshot(inode, stateDir, links, addresses, routes, rules, sysctls, ledgers, errors);
    }

    private static Map<String, Integer> readSysctls(List<Link> links, List<String> errors) {
        Map<String, Integer> out = new TreeMap<>();
        List<String> devices = new ArrayList<>(List.of("all", "default"));
        for (Link l : links) devices.add(l.name());
        for (String dev : devices) {
            List<String> report = dev.equals("all") ? errors : null; // per-device knobs may be absent (no IPv4 on it)
            read(out, "net.ipv4.conf." + dev + ".rp_filter", "net/ipv4/conf/" + dev + "/rp_filter", report);
            read(out, "net.ipv4.conf." + dev + ".src_valid_mark", "net/ipv4/conf/" + dev + "/src_valid_mark", report);
            read(out, "net.ipv6.conf." + dev + ".disable_ipv6", "net/ipv6/conf/" + dev + "/disable_ipv6", null);
        }
        return out;
    }

    /** Reads through the slashed name, so device names with dots work; {@code errors} null: absence is normal. */
    private static void read(Map<String, Integer> out, String dotted, String slashed, List<String> errors) {
        boolean exists;
        try {
            exists = Sysctl.exists(slashed);
        } catch (IllegalArgumentException e) { // a link name Sysctl refuses to put in a path
            if (errors != null) errors.add("sysctl " + dotted + ": " + e.getMessage());
            return;
        }
        if (!exists) {
            if (errors != null) errors.add("sysctl " + dotted + " is missing");
            return;
        }
        try {
            out.put(dotted, Sysctl.getInt(slashed));
        } catch (IOException e) {
            if (errors != null) errors.add("sysctl " + dotted + ": " + e.getMessage());
        }
    }

    /** The ledger kinds read: tunnels, and the DNS layer's port-53 interception (an nftables table). */
    static final List<String> LEDGER_PREFIXES = List.of(TunnelLauncher.LEDGER_PREFIX, DnsInterception.LEDGER_PREFIX);

    /**
     * Every ledger of {@link #LEDGER_PREFIXES} in {@code dir} ({@code tunnel-*.state}, {@code dns-*.state}), with
     * liveness as {@link StateLedger#stale} judges it.
     */
    static List<LedgerState> readLedgers(Path dir, List<String> errors) {
        List<LedgerState> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        for (String prefix : LEDGER_PREFIXES) readLedgers(dir, prefix, out, errors);
        out.sort(java.util.Comparator.comparing(LedgerState::file));
        return out;
    }

    private static void readLedgers(Path dir, String prefix, List<LedgerState> out, List<String> errors) {
        Set<Path> stale = new HashSet<>();
        try {
            stale.addAll(StateLedger.stale(dir, prefix));
        } catch (IOException | RuntimeException e) {
            errors.add("cannot check " + prefix + " ledgers in " + dir + ": " + e.getMessage());
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "-*.state")) {
            for (Path p : ds) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue; // removed by its owner's clean stop
                } catch (IOException e) {
                    errors.add("cannot read ledger " + p + ": " + e.getMessage());
                    continue;
                }
                out.add(parseLedger(p, lines, stale.contains(p)));
            }
        } catch (IOException e) {
            errors.add("cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** A ledger's lines as a {@link LedgerState}; a torn or foreign owner line gives pid -1, owner dead. */
    static LedgerState parseLedger(Path file, List<String> lines, boolean knownStale) {
        LedgerEntry owner = lines.isEmpty() ? null : LedgerEntry.parse(lines.getFirst());
        int pid = -1;
        long start = -1, netns = -1;
        if (owner != null && owner.kind().equals("owner")) {
            try {
                pid = Integer.parseInt(owner.require("pid"));
                start = Long.parseLong(owner.require("start"));
                netns = Long.parseLong(owner.require("netns"));
            } catch (IllegalArgumentException e) {
                pid = -1;
            }
        }
        boolean alive = !knownStale && pid > 0 && ProcessInfo.isAlive(pid, start);
        List<LedgerEntry> entries = new ArrayList<>();
        for (String l : lines.size() > 1 ? lines.subList(1, lines.size()) : List.<String>of()) {
            LedgerEntry e = LedgerEntry.parse(l);
            if (e != null) entries.add(e);
        }
        return new LedgerState(file, pid, start, netns, alive, entries);
    }
}
