package dev.netext.linux.tproxy;

import dev.netext.linux.nft.Nft;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.QueueSteering;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel side of flow interception: table {@code inet netext-flow} ({@link TproxyRuleset}) and, per family
 * intercepted, {@code ip rule add fwmark INTERCEPT lookup T priority P} and {@code ip route add local default dev lo
 * table T}. Every object is written to the {@link StateLedger} (kind {@link LedgerKind#FLOW}) before it is created;
 * {@link #close} removes them newest first and {@link #undo} does the same for a dead instance's ledger.
 *
 * <p>Order matters for leaks and loops: routes and rules go in first (inert without marked packets), the nft table
 * last, in one transaction; teardown deletes the table first, so no packet is marked toward a missing route.
 */
public final class TproxySteering implements AutoCloseable {
    static final String NFT_TABLE = "nft-table", RULE = "rule", ROUTE = "route";

    private final RtNetlink rtnl;
    private final Nft nft;
    private final List<LedgerEntry> created = new ArrayList<>();
    private boolean closed;

    private TproxySteering(RtNetlink rtnl, Nft nft) {
        this.rtnl = rtnl;
        this.nft = nft;
    }

    /** Installs interception for {@code config}; on failure, removes what it created and rethrows. */
    public static TproxySteering install(InterceptionConfig config, StateLedger ledger, RtNetlink rtnl, Nft nft)
            throws IOException {
        if (nft.tableExists(TproxyRuleset.FAMILY, TproxyRuleset.TABLE))
            throw new IOException("nft table " + TproxyRuleset.FAMILY + " " + TproxyRuleset.TABLE
                    + " already exists: another netext flow layer runs in this network namespace");
        TproxySteering s = new TproxySteering(rtnl, nft);
        try {
            int lo = rtnl.link("lo").map(Link::index)
                    .orElseThrow(() -> new IOException("no loopback link in this network namespace"));
            rtnl.setLinkUp(lo, true);
            if (config.intercepts(false)) s.policyRouting(IpFamily.V4, config, lo, ledger);
            if (config.intercepts(true)) s.policyRouting(IpFamily.V6, config, lo, ledger);
            LedgerEntry table = LedgerEntry.of(NFT_TABLE, "family", TproxyRuleset.FAMILY, "name", TproxyRuleset.TABLE);
            s.create(ledger, table);
            nft.apply(TproxyRuleset.render(config));
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void policyRouting(IpFamily family, InterceptionConfig c, int lo, StateLedger ledger) throws IOException {
        String fam = family == IpFamily.V4 ? "4" : "6";
        LedgerEntry route = LedgerEntry.of(ROUTE, "family", fam, "table", Integer.toString(c.table()),
                "dev", Integer.toString(lo));
        create(ledger, route);
        rtnl.replaceRoute(localDefault(family, c.table(), lo));
        LedgerEntry rule = LedgerEntry.of(RULE, "family", fam, "priority", Integer.toString(c.rulePriority()),
                "fwmark", Integer.toUnsignedString(c.interceptMark()), "table", Integer.toString(c.table()));
        create(ledger, rule);
        rtnl.addRule(toRule(rule));
    }

    private void create(StateLedger ledger, LedgerEntry e) throws IOException {
        ledger.record(e);
        created.add(e);
    }

    static Route localDefault(IpFamily family, int table, int lo) {
        return Route.to(IpPrefix.parse(family == IpFamily.V4 ? "0.0.0.0/0" : "::/0"))
                .withType(Route.Type.LOCAL).withTable(table).withOutputInterface(lo);
    }

    private static Rule toRule(LedgerEntry e) {
        IpFamily family = e.require("family").equals("4") ? IpFamily.V4 : IpFamily.V6;
        return Rule.lookup(family, Integer.parseInt(e.require("table")))
                .withFwmark(Integer.parseUnsignedInt(e.require("fwmark")))
                .withPriority(Integer.parseInt(e.require("priority")));
    }

    /** Removes everything installed, newest first; objects already gone are fine. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        StateLedger.undoNewestFirst(created, e -> undo(e, rtnl, nft));
    }

    /** Undoes one entry of this class's kinds (others are ignored), tolerating objects already gone. */
    public static void undo(LedgerEntry e, RtNetlink rtnl, Nft nft) throws IOException {
        switch (e.kind()) {
            case NFT_TABLE -> nft.deleteTable(e.require("family"), e.require("name"));
            case RULE -> {
                try {
                    rtnl.deleteRule(toRule(e));
                } catch (LinuxException ex) {
                    if (!ex.is(Errno.ENOENT)) throw ex;
                }
            }
            case ROUTE -> {
                IpFamily family = e.require("family").equals("4") ? IpFamily.V4 : IpFamily.V6;
                try {
                    rtnl.deleteRoute(localDefault(family, Integer.parseInt(e.require("table")),
                            Integer.parseInt(e.require("dev"))));
                } catch (LinuxException ex) {
                    if (!ex.is(Errno.ENOENT) && !ex.is(Errno.ESRCH)) throw ex;
                }
            }
            default -> { }
        }
    }

    /**
     * Undoes the ledgers of dead flow-layer instances of this namespace — the TPROXY objects, the fast path's
     * queue rules and the conntrack accounting the fast path turned on ({@link QueueSteering#undo}), which share the
     * flow ledger: call before installing. The engine's start and {@code netext diagnose --fix} both recover through here.
     */
    public static List<StateLedger.Recovery> recover(Path dir, RtNetlink rtnl, Nft nft, Iptables iptables) throws IOException {
        return StateLedger.recover(dir, LedgerKind.FLOW, e -> {
            undo(e, rtnl, nft);
            QueueSteering.undo(e, iptables);
        });
    }
}
