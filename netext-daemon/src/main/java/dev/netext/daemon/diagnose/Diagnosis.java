package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.netlink.Address;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.LedgerOwner;
import dev.netext.linux.state.LedgerOwner.Place;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the calling thread's network namespace into a {@link NetworkSnapshot} — links, addresses, routes and rules
 * over rtnetlink, the rp_filter/src_valid_mark/disable_ipv6 knobs from {@code /proc/sys}, netext's nftables tables
 * and iptables chains ({@link NetfilterState}), and the ledgers of every kind in the state directory — and runs the {@link ConflictDetector} over it. Run it on a thread inside the namespace to
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
        NetfilterState netfilter = NetfilterState.read(errors);
        List<LedgerState> ledgers = readLedgers(stateDir, errors);
        return new NetworkSnapshot(inode, stateDir, links, addresses, routes, rules, sysctls, netfilter, ledgers, errors);
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

    /**
     * Every ledger in {@code dir}, of every {@link LedgerKind} (tunnels, DNS interception, the flow layer, packet
     * filters, captures), with liveness and namespace judged as {@link StateLedger#recover} judges them.
     */
    static List<LedgerState> readLedgers(Path dir, List<String> errors) {
        List<LedgerState> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        Judge judge;
        try {
            judge = new Judge(NetworkNamespace.currentInode(), NetworkNamespace.currentCookie(), ProcessInfo.bootId(),
                    NetworkNamespace.existingInodes());
        } catch (IOException e) {
            errors.add("cannot identify this network namespace: " + e.getMessage());
            return out;
        }
        for (LedgerKind kind : LedgerKind.values()) readLedgers(dir, kind, judge, out, errors);
        out.sort(Comparator.comparing(LedgerState::file));
        return out;
    }

    /** This namespace and boot, against which a ledger's owner is judged. */
    record Judge(long inode, long cookie, String boot, Set<Long> existingInodes) {}

    private static void readLedgers(Path dir, LedgerKind kind, Judge judge, List<LedgerState> out, List<String> errors) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, kind.prefix() + "-*.state")) {
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
                out.add(parseLedger(p, lines, judge));
            }
        } catch (IOException e) {
            errors.add("cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** A ledger's lines as a {@link LedgerState}; a torn or foreign owner line gives pid -1, owner dead, namespace gone. */
    static LedgerState parseLedger(Path file, List<String> lines, Judge judge) {
        LedgerOwner owner = lines.isEmpty() ? null : LedgerOwner.parse(lines.getFirst());
        if (owner == null) return new LedgerState(file, -1, -1, -1, false, Place.GONE, StateLedger.entries(lines));
        return new LedgerState(file, owner.pid(), owner.startTime(), owner.netns(), owner.alive(judge.boot()),
                owner.placeIn(judge.inode(), judge.cookie(), judge.boot(), judge.existingInodes()),
                StateLedger.entries(lines));
    }
}
