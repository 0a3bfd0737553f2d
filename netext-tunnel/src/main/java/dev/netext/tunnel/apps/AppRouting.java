package dev.netext.tunnel.apps;

import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.linux.nft.Nft;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.Cgroup2;
import dev.netext.linux.sys.Sysctl;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.TunnelDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A per-app tunnel's configurator ({@code tunnel.apps}, {@code NEAppRule}): the links, routes and the
 * {@code fwmark APP} policy rule through {@code links} (a {@code NetlinkConfigurator} in per-app mode), then table
 * {@code inet netext-apps-N} ({@link AppRuleset}) that marks the chosen apps' packets, sends their DNS to the
 * tunnel's servers and gives their packets the tunnel's address. It takes the place of the host-DNS configurator:
 * the tunnel's DNS is for the chosen apps only, the host's resolver stays as it is.
 * <pre>
 *   open   → app rules turned into nft matches (a cgroup that does not exist is refused here) → ledger (kind APPS)
 *            (the launcher has recovered dead instances' APPS ledgers before)
 *   apply  (each setTunnelNetworkSettings) → links → ledger entry, then the table (replaced in one transaction)
 *   clear  (provider stopped or restarting) → table deleted → links cleared
 *   close  → ledger closed
 * </pre>
 * After a {@code kill -9} the table stays until the next start or {@code netext diagnose --fix} ({@link #recover});
 * without the tunnel's policy rule (recovered from its own ledger) its marks route nothing.
 */
public final class AppRouting implements NetworkConfigurator, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AppRouting.class);
    static final String NFT_TABLE = "nft-table";

    private final NetworkConfigurator links;
    private final StateLedger ledger;
    private final Nft nft;
    private final List<String> matches;
    private final int appMark;
    private final Consumer<String> report;
    private String table;
    private boolean recorded;

    AppRouting(NetworkConfigurator links, StateLedger ledger, Nft nft, List<String> matches, int appMark,
               Consumer<String> report) {
        this.links = links;
        this.ledger = ledger;
        this.nft = nft;
        this.matches = List.copyOf(matches);
        this.appMark = appMark;
        this.report = report;
    }

    /**
     * @param links    the tunnel's links, routes and its {@code fwmark appMark} rule
     * @param instance names the ledger ({@code apps-INSTANCE-…}), null for none
     * @param report   one line for people (the tunnel's log)
     */
    public static AppRouting open(NetworkConfigurator links, Path stateDir, String instance, List<AppRule> apps,
                                  int appMark, Consumer<String> report) throws IOException {
        List<String> matches = new ArrayList<>();
        for (AppRule rule : apps) {
            try {
                matches.add(rule.nftMatch(Cgroup2::resolve));
            } catch (IOException e) {
                throw new IOException("apps: " + rule + ": " + e.getMessage(), e);
            }
        }
        return new AppRouting(links, StateLedger.create(stateDir, LedgerKind.APPS, instance), new Nft(), matches,
                appMark, report);
    }

    /** The host's proxy environment reaches every session: applied for a per-app tunnel it would not be per app. */
    @Override
    public String proxyRefusal() {
        return "a per-app tunnel (apps:) applies no host HTTP proxy: it would reach every session, not only the listed apps";
    }

    @Override
    public synchronized void apply(TunnelDevice device, TunnelNetworkSettings settings) throws IOException {
        links.apply(device, settings);
        DnsSettings dns = settings.dns();
        if (!dns.matchDomains().isEmpty())
            throw new IOException("dns: match-domains " + dns.matchDomains() + " cannot be applied to a per-app tunnel:"
                    + " every name its apps look up goes to the tunnel's servers (leave match-domains out)");
        String name = AppRuleset.TABLE_PREFIX + Math.floorMod(device.index(), 1000);
        if (!recorded || !name.equals(table)) {
            ledger.record(LedgerEntry.of(NFT_TABLE, "family", AppRuleset.FAMILY, "name", name));
            recorded = true;
        }
        table = name;
        List<InetAddress> servers = dns.servers();
        // queries to a loopback resolver leave from 127.0.0.1: allowed out of (and back in through) this device only
        // (AppRuleset's guard chain lets nothing else from the tunnel reach loopback); the setting goes with the device
        if (servers.stream().anyMatch(a -> a instanceof Inet4Address))
            Sysctl.set("net/ipv4/conf/" + device.name() + "/route_localnet", 1);
        nft.apply(AppRuleset.render(new AppRuleset.Config(name, device.name(), appMark, links.bypassMark(), matches,
                servers)));
        report.accept("apps: " + matches.size() + " app rule(s) routed into " + device.name()
                + (settings.includedRoutes().isEmpty() ? " (the tunnel has no routes: nothing of theirs goes in)" : "")
                + (servers.isEmpty() ? "; the tunnel has no DNS servers: the apps keep their resolver"
                : "; their DNS goes to " + servers.stream().map(InetAddress::getHostAddress).toList()));
    }

    @Override
    public synchronized void clear(TunnelDevice device) {
        if (table != null) {
            try {
                nft.deleteTable(AppRuleset.FAMILY, table);
            } catch (IOException e) {
                LOG.warn("could not delete table {} {}: {}", AppRuleset.FAMILY, table, e.getMessage());
            }
        }
        links.clear(device);
    }

    @Override
    public int bypassMark() { return links.bypassMark(); }

    @Override
    public void recordOwnedFile(Path path) throws IOException { links.recordOwnedFile(path); }

    /** Removes every table the ledger names (gone already after a clean stop) and ends the ledger. */
    @Override
    public synchronized void close() {
        try {
            for (LedgerEntry e : ledger.entries().reversed()) undo(nft, e);
            ledger.close();
        } catch (IOException e) {
            LOG.warn("apps: could not remove table {}: {} (the ledger stays for the next start)", table, e.getMessage());
        }
    }

    /** Undoes one entry of this class's kinds; a table already gone is fine. */
    public static void undo(Nft nft, LedgerEntry e) throws IOException {
        if (e.kind().equals(NFT_TABLE)) nft.deleteTable(e.require("family"), e.require("name"));
    }

    /** Removes the tables dead instances of this namespace left (after a {@code kill -9}). */
    public static List<StateLedger.Recovery> recover(Path stateDir) throws IOException {
        Nft nft = new Nft();
        return StateLedger.recover(stateDir, LedgerKind.APPS, e -> undo(nft, e));
    }
}
