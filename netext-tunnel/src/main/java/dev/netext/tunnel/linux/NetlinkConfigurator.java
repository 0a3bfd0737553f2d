package dev.netext.tunnel.linux;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.TunnelDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies {@link TunnelNetworkSettings} to a TUN device over rtnetlink, recording each object in the
 * {@link StateLedger} before creating it.
 *
 * <p>Routing, two modes:
 * <ul>
 *   <li><b>main table</b> — specific routes only, nothing excluded: each route goes into the main table through the
 *       device, where {@code ip route} shows it.</li>
 *   <li><b>tunnel table</b> — a default route ({@code 0.0.0.0/0}, {@code ::/0}), excluded routes, or an explicit
 *       table: routes go into a table of the tunnel's own, excluded routes become {@code throw} routes there (the
 *       lookup falls through to the main table), and per family a rule {@code not fwmark MARK lookup TABLE} sends
 *       everything but the provider's own marked sockets to it. With a default route, a higher-priority rule
 *       {@code lookup main suppress_prefixlength 0} lets the main table's specific routes (the LAN, the backend's
 *       link) win over the tunnel's default — what wg-quick does, so encrypted packets never loop into the
 *       tunnel.</li>
 *   <li><b>per app</b> ({@link #perApp}, {@code tunnel.apps}) — tunnel-table mode whatever the routes, with the rule
 *       {@code fwmark APP lookup TABLE}: only the packets {@code AppRouting}'s table marks use the tunnel's routes.</li>
 * </ul>
 */
public final class NetlinkConfigurator implements NetworkConfigurator {
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkConfigurator.class);

    /** Tunnel tables are {@code TABLE_BASE + ifindex % 1000}: unique per device in a namespace, clear in {@code ip rule}. */
    public static final int TABLE_BASE = 52_000;
    /** Rule priorities {@code PRIORITY_BASE + 2 * (ifindex % 1000)} (suppress rule one lower). */
    public static final int PRIORITY_BASE = 10_000;
    /** Bypass marks are {@code MARK_BASE | ifindex % 1000}: "NX" in the high bytes. */
    public static final int MARK_BASE = 0x4e58_0000;
    /** Per-app marks are {@code APP_MARK_BASE | ifindex % 1000}: "NA" in the high bytes. */
    public static final int APP_MARK_BASE = 0x4e41_0000;

    private final RtNetlink rtnl;
    private final StateLedger ledger;
    private final int slot;
    private final int fixedTable;
    private final int fixedMark;
    private final List<LedgerEntry> applied = new ArrayList<>();
    private boolean perApp;

    /**
     * @param table the routing table for tunnel-table mode, or 0 to derive one from the interface index
     */
    public NetlinkConfigurator(RtNetlink rtnl, StateLedger ledger, int ifindex, int table) {
        this(rtnl, ledger, ifindex, table, 0);
    }

    /**
     * @param table the routing table for tunnel-table mode, or 0 to derive one from the interface index
     * @param mark  the bypass mark, or 0 to derive one from the interface index (wg-quick's {@code FwMark=})
     */
    public NetlinkConfigurator(RtNetlink rtnl, StateLedger ledger, int ifindex, int table, int mark) {
        this.rtnl = rtnl;
        this.ledger = ledger;
        this.slot = Math.floorMod(ifindex, 1000);
        this.fixedTable = table;
        this.fixedMark = mark;
    }

    public int table() { return fixedTable != 0 ? fixedTable : TABLE_BASE + slot; }

    /** The tunnel table a device of {@code ifindex} gets when no table is named. */
    public static int derivedTable(int ifindex) { return TABLE_BASE + Math.floorMod(ifindex, 1000); }

    /** Per-app mode: the tunnel's routes serve only packets marked {@link #appMark}. Before the first apply. */
    public NetlinkConfigurator perApp() {
        perApp = true;
        return this;
    }

    /** The mark of packets that use the tunnel's routes in per-app mode. */
    public int appMark() { return APP_MARK_BASE | slot; }

    public int rulePriority() { return PRIORITY_BASE + 2 * slot; }

    @Override
    public int bypassMark() { return fixedMark != 0 ? fixedMark : MARK_BASE | slot; }

    /** Ledger entry {@code file path=…}: deleted after a crash unless something still answers on it. */
    @Override
    public void recordOwnedFile(Path path) throws IOException {
        ledger.record(LedgerEntry.of(StateLedger.FILE_KIND, "path", path.toAbsolutePath().toString()));
    }

    @Override
    public synchronized void apply(TunnelDevice device, TunnelNetworkSettings s) throws IOException {
        clear(device);
        int index = device.index();
        String dev = device.name();
        rtnl.setMtu(index, s.effectiveMtu());
        for (IpPrefix a : s.addresses()) {
            create(LedgerEntry.of("addr", "dev", dev, "index", Integer.toString(index), "prefix", a.toString()));
        }
        rtnl.setLinkUp(index, true);

        boolean tunnelTable = perApp || fixedTable != 0 || !s.excludedRoutes().isEmpty()
                || s.includedRoutes().stream().anyMatch(r -> r.length() == 0);
        int table = tunnelTable ? table() : 254;
        for (IpPrefix r : s.includedRoutes()) {
            create(route(r, table, "unicast", index));
        }
        if (tunnelTable) {
            for (IpPrefix r : s.excludedRoutes()) create(route(r, table, "throw", 0));
            for (IpFamily f : IpFamily.values()) {
                boolean any = s.includedRoutes().stream().anyMatch(r -> r.family() == f)
                        || s.excludedRoutes().stream().anyMatch(r -> r.family() == f);
                if (!any) continue;
                boolean full = s.includedRoutes().stream().anyMatch(r -> r.family() == f && r.length() == 0);
                if (full) {
                    create(LedgerEntry.of("rule", "family", fam(f), "priority", Integer.toString(rulePriority() - 1),
                            "table", "254", "suppress", "0"));
                }
                create(perApp
                        ? LedgerEntry.of("rule", "family", fam(f), "priority", Integer.toString(rulePriority()),
                                "table", Integer.toString(table), "fwmark", Integer.toUnsignedString(appMark()))
                        : LedgerEntry.of("rule", "family", fam(f), "priority", Integer.toString(rulePriority()),
                                "table", Integer.toString(table), "fwmark", Integer.toUnsignedString(bypassMark()),
                                "invert", "true"));
            }
        }
        LOG.debug("applied {} to {}: {}", tunnelTable ? "table " + table : "main table", dev, applied);
    }

    @Override
    public synchronized void clear(TunnelDevice device) {
        for (LedgerEntry e : applied.reversed()) {
            try {
                undo(rtnl, e);
            } catch (IOException ex) {
                LOG.warn("could not remove {}: {}", e, ex.getMessage());
            }
        }
        applied.clear();
    }

    private void create(LedgerEntry e) throws IOException {
        ledger.record(e);
        try {
            apply(rtnl, e);
        } catch (LinuxException ex) {
            if (!ex.is(Errno.EEXIST) || !e.kind().equals("route")) throw ex;
            explainExistingRoute(e, ex);
            return; // the kernel's own prefix route for our address: it goes with the address
        }
        applied.add(e);
    }

    /**
     * A route add met an equal route. Fine if it is the prefix route the kernel made for our own address (same
     * destination, table, device); otherwise another interface — another VPN — holds the destination, and netext
     * does not take it over.
     */
    private void explainExistingRoute(LedgerEntry e, LinuxException ex) throws IOException {
        Route wanted = toRoute(e);
        for (Route r : rtnl.routes(wanted.family(), wanted.table())) {
            if (!r.destination().equals(wanted.destination())) continue;
            if (r.outputInterface() == wanted.outputInterface() && r.type() == wanted.type()) return;
            String holder = r.outputInterface() == 0 ? r.type().name().toLowerCase()
                    : rtnl.link(r.outputInterface()).map(Link::name).orElse("#" + r.outputInterface());
            throw new IOException("route " + wanted.destination() + " (table " + RtTables.name(wanted.table())
                    + ") is already held by " + holder + "; netext does not take over another interface's route"
                    + " — exclude it from the profile or remove it first", ex);
        }
        throw ex;
    }

    private static LedgerEntry route(IpPrefix dst, int table, String type, int index) {
        return LedgerEntry.of("route", "family", fam(dst.family()), "dst", dst.network().toString(),
                "table", Integer.toString(table), "type", type, "index", Integer.toString(index));
    }

    private static String fam(IpFamily f) { return f == IpFamily.V4 ? "4" : "6"; }

    private static IpFamily family(LedgerEntry e) { return e.require("family").equals("4") ? IpFamily.V4 : IpFamily.V6; }

    private static void apply(RtNetlink rtnl, LedgerEntry e) throws IOException {
        switch (e.kind()) {
            case "addr" -> rtnl.addAddress(Integer.parseInt(e.require("index")), IpPrefix.parse(e.require("prefix")));
            case "route" -> rtnl.addRoute(toRoute(e));
            case "rule" -> rtnl.addRule(toRule(e));
            default -> throw new IllegalArgumentException("cannot apply " + e);
        }
    }

    /**
     * Removes the object a ledger entry names, if it is still there: at a clean stop, and for the ledger of a
     * crashed instance. Objects already gone (the kernel removed them with the device) are not an error.
     */
    public static void undo(RtNetlink rtnl, LedgerEntry e) throws IOException {
        try {
            switch (e.kind()) {
                case "addr" -> {
                    int index = Integer.parseInt(e.require("index"));
                    Optional<Link> l = rtnl.link(index);
                    if (l.isPresent() && l.get().name().equals(e.require("dev")))
                        rtnl.deleteAddress(index, IpPrefix.parse(e.require("prefix")));
                }
                case "route" -> {
                    int index = Integer.parseInt(e.require("index"));
                    if (index != 0 && rtnl.link(index).isEmpty()) return; // went with its device
                    rtnl.deleteRoute(toRoute(e));
                }
                case "rule" -> rtnl.deleteRule(toRule(e));
                case "link" -> {
                    int index = Integer.parseInt(e.require("index"));
                    Optional<Link> l = rtnl.link(index);
                    if (l.isPresent() && l.get().name().equals(e.require("name"))) rtnl.deleteLink(index);
                }
                case "file" -> OwnedFiles.deleteIfAbandoned(Path.of(e.require("path")));
                default -> throw new IOException("unknown ledger entry " + e);
            }
        } catch (LinuxException ex) {
            if (!ex.is(Errno.ENOENT) && !ex.is(Errno.ESRCH) && !ex.is(Errno.ENODEV) && !ex.is(Errno.EADDRNOTAVAIL)) throw ex;
        }
    }

    private static Route toRoute(LedgerEntry e) {
        Route r = Route.to(IpPrefix.parse(e.require("dst"))).withTable(Integer.parseInt(e.require("table")));
        int index = Integer.parseInt(e.require("index"));
        return switch (e.require("type")) {
            case "throw" -> r.withType(Route.Type.THROW);
            default -> r.withOutputInterface(index);
        };
    }

    private static Rule toRule(LedgerEntry e) {
        Rule r = Rule.lookup(family(e), Integer.parseInt(e.require("table")))
                .withPriority(Integer.parseInt(e.require("priority")));
        if (e.get("suppress") != null) r = r.withSuppressPrefixLength(Integer.parseInt(e.get("suppress")));
        if (e.get("fwmark") != null) r = r.withFwmark(Integer.parseUnsignedInt(e.get("fwmark")));
        if ("true".equals(e.get("invert"))) r = r.inverted();
        return r;
    }
}
