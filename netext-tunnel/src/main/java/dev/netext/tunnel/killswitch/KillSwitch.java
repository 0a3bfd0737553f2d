package dev.netext.tunnel.killswitch;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.path.PathEvent;
import dev.netext.linux.netlink.Address;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.PathMonitor;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.nft.Nft;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One profile's kill switch ({@code include-all-networks}): table {@code inet netext-killswitch}
 * ({@link KillSwitchRuleset}), whose life is the profile's enabled state, not its provider's:
 * <pre>
 *   install  → ledger (kind KILL_SWITCH) → table, no tunnel yet (fail closed) → [exclude-local-networks] path monitor
 *            → dead instances' kill switches recovered (ours names the same table, so it is never undone)
 *   each provider launch → tunnelUp(TUN name, bypass mark) · its end (crash, restart, stop) → tunnelDown
 *   close (clean stop, disable) → table deleted → ledger closed
 *   handOver (a reload restarts the profile) → kept for the next install in this process, closed if none comes
 * </pre>
 * A {@code kill -9} leaves the table and its ledger: traffic stays blocked until netext starts again or
 * {@code netext diagnose --fix} runs {@link #recover}. Every change replaces the table in one nft transaction.
 */
public final class KillSwitch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KillSwitch.class);
    static final String NFT_TABLE = "nft-table";

    /** Kill switches of stopped profiles waiting for the next install, by state directory (one per namespace). */
    private static final Map<Path, KillSwitch> HANDED_OVER = new HashMap<>();

    private final StateLedger ledger;
    private final Nft nft;
    private KillSwitchRuleset.Config config;
    private PathMonitor monitor;
    private boolean closed;

    private KillSwitch(StateLedger ledger, Nft nft, KillSwitchRuleset.Config config) {
        this.ledger = ledger;
        this.nft = nft;
        this.config = config;
    }

    /**
     * Installs a kill switch in this thread's network namespace, before any provider runs; {@code instance} names
     * the ledger ({@code killswitch-INSTANCE-…}, null for none). Refused while another live instance has one here.
     */
    public static KillSwitch install(Path stateDir, String instance, boolean excludeLocal) throws IOException {
        KillSwitch previous;
        synchronized (HANDED_OVER) {
            previous = HANDED_OVER.remove(stateDir.toAbsolutePath());
        }
        if (previous != null) {
            previous.takeOver(excludeLocal);
            return previous;
        }
        Nft nft = new Nft();
        if (nft.tableExists(KillSwitchRuleset.FAMILY, KillSwitchRuleset.TABLE)
                && StateLedger.stale(stateDir, LedgerKind.KILL_SWITCH).isEmpty())
            throw new IOException("nft table " + KillSwitchRuleset.FAMILY + " " + KillSwitchRuleset.TABLE
                    + " already exists and no dead netext instance left it: another profile's kill switch is on in"
                    + " this network namespace (one kill switch per namespace; netext diagnose names its owner)");
        StateLedger ledger = StateLedger.create(stateDir, LedgerKind.KILL_SWITCH, instance);
        KillSwitch ks = new KillSwitch(ledger, nft, new KillSwitchRuleset.Config(null, 0, excludeLocal, List.of()));
        try {
            ledger.record(LedgerEntry.of(NFT_TABLE, "family", KillSwitchRuleset.FAMILY, "name", KillSwitchRuleset.TABLE));
            if (excludeLocal) {
                // subscribe first, so no address change falls between reading the subnets and listening
                ks.monitor = PathMonitor.start(ks::pathChanged);
                ks.config = ks.config.withLocal(localSubnets());
            }
            ks.apply();
            for (StateLedger.Recovery r : recover(stateDir))
                LOG.info("replaced the kill switch a crashed instance (pid {}) left", r.pid());
            return ks;
        } catch (IOException | RuntimeException e) {
            ks.close();
            throw e;
        }
    }

    /**
     * Keeps the table for the next {@link #install} in this process (the restart of a profile a reload changed) for
     * {@code grace}, and closes it if none comes: a reload never opens the network between the old and the new.
     */
    public void handOver(Duration grace) {
        Path key = ledger.file().getParent().toAbsolutePath();
        KillSwitch replaced;
        synchronized (HANDED_OVER) {
            replaced = HANDED_OVER.put(key, this);
        }
        if (replaced != null && replaced != this) replaced.close();
        Thread.ofVirtual().name("kill-switch-handover").start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                // close now
            }
            synchronized (HANDED_OVER) {
                if (HANDED_OVER.get(key) != this) return; // taken over
                HANDED_OVER.remove(key);
            }
            close();
        });
    }

    /** Closes every handed-over kill switch no install took yet (the process stops cleanly). */
    public static void closeHandedOver() {
        List<KillSwitch> waiting;
        synchronized (HANDED_OVER) {
            waiting = List.copyOf(HANDED_OVER.values());
            HANDED_OVER.clear();
        }
        for (KillSwitch ks : waiting) ks.close();
    }

    /** A new profile's install takes this one over: same table and ledger, its own exclude-local-networks. */
    private synchronized void takeOver(boolean excludeLocal) throws IOException {
        if (excludeLocal && monitor == null) monitor = PathMonitor.start(this::pathChanged);
        if (!excludeLocal && monitor != null) {
            monitor.close();
            monitor = null;
        }
        config = new KillSwitchRuleset.Config(null, 0, excludeLocal, excludeLocal ? localSubnets() : List.of());
        apply();
    }

    /** A provider launched on {@code tunnel}: its packets and its transport's (marked {@code bypassMark}) pass. */
    public synchronized void tunnelUp(String tunnel, int bypassMark) throws IOException {
        config = config.withTunnel(tunnel, bypassMark);
        apply();
    }

    /** The provider ended (crash, restart, stop): only the exceptions pass until the next {@link #tunnelUp}. */
    public synchronized void tunnelDown() {
        if (closed || config.tunnel() == null) return;
        config = config.withoutTunnel();
        try {
            apply();
        } catch (IOException e) {
            // the previous table stays, naming a TUN device that is gone: still closed
            LOG.warn("kill switch: could not remove the ended tunnel's exceptions: {}", e.getMessage());
        }
    }

    /** What the table lets through now. */
    public synchronized KillSwitchRuleset.Config config() { return config; }

    private void apply() throws IOException {
        if (closed) return;
        nft.apply(KillSwitchRuleset.render(config));
    }

    private void pathChanged(PathEvent event) {
        if (!(event instanceof PathEvent.AddressChanged) && !(event instanceof PathEvent.LinkChanged)) return;
        synchronized (this) {
            if (closed) return;
            try {
                List<IpPrefix> now = localSubnets();
                if (new HashSet<>(now).equals(new HashSet<>(config.local()))) return;
                config = config.withLocal(now);
                apply();
            } catch (IOException | RuntimeException e) {
                LOG.warn("kill switch: could not follow the local subnets: {}", e.getMessage());
            }
        }
    }

    /** Directly connected subnets: the addresses of every link but loopback and point-to-point ones (tunnels). */
    static List<IpPrefix> localSubnets() throws IOException {
        try (RtNetlink rtnl = RtNetlink.open()) {
            Set<Integer> skip = new HashSet<>();
            for (Link l : rtnl.links()) if (l.loopback() || l.pointToPoint()) skip.add(l.index());
            List<IpPrefix> out = new ArrayList<>();
            for (Address a : rtnl.addresses()) if (!skip.contains(a.linkIndex())) out.add(a.prefix().network());
            return out;
        }
    }

    /** Removes the table and ends the ledger (a clean stop). */
    @Override
    public void close() {
        PathMonitor m;
        synchronized (this) {
            if (closed) return;
            closed = true;
            m = monitor;
        }
        if (m != null) m.close();
        try {
            for (LedgerEntry e : ledger.entries().reversed()) undo(nft, e);
            ledger.close();
        } catch (IOException e) {
            LOG.warn("kill switch: could not remove table {}: {} (the ledger stays for the next start)",
                    KillSwitchRuleset.TABLE, e.getMessage());
        }
    }

    /** Undoes one entry of this class's kinds; a table already gone is fine. */
    public static void undo(Nft nft, LedgerEntry e) throws IOException {
        if (e.kind().equals(NFT_TABLE)) nft.deleteTable(e.require("family"), e.require("name"));
    }

    /** Removes the kill switches dead instances of this namespace left (after a {@code kill -9}). */
    public static List<StateLedger.Recovery> recover(Path stateDir) throws IOException {
        Nft nft = new Nft();
        return StateLedger.recover(stateDir, LedgerKind.KILL_SWITCH, e -> undo(nft, e));
    }
}
