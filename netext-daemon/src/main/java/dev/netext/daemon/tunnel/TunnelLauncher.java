package dev.netext.daemon.tunnel;

import dev.netext.api.ProviderEvent;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.daemon.tunnel.hostdns.HostDnsConfigurator;
import dev.netext.daemon.tunnel.hostproxy.HostProxyConfigurator;
import dev.netext.linux.netlink.PathMonitor;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tun.TunDevice;
import dev.netext.linux.tun.TunOptions;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.RefusedSettings;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelRuntime;
import dev.netext.tunnel.apps.AppRouting;
import dev.netext.tunnel.killswitch.KillSwitch;
import dev.netext.tunnel.linux.NetlinkConfigurator;
import dev.netext.tunnel.linux.TunTunnelDevice;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Puts one profile's tunnel together on this host, in an order that leaves nothing behind on any failure:
 *
 * <pre>
 *   recover dead instances' ledgers → create our ledger → open the TUN device (never an existing one)
 *   → path monitor → TunnelRuntime.start (the provider applies its settings through the configurator: links and
 *     routes, then the settings' DNS into the host's resolver, {@link HostDnsConfigurator}, then their HTTP proxy
 *     into the host's sessions, {@link HostProxyConfigurator}; with {@code apps:}, {@link AppRouting} instead: the
 *     listed apps' packets and DNS into the tunnel, the host's resolver untouched, a proxy refused — it would
 *     reach every session)
 * </pre>
 *
 * {@link RunningTunnel#close} undoes it in reverse. Must be called on a thread in the target network namespace.
 */
public final class TunnelLauncher {
    /**
     * TUN checksum/TSO offloads (TunOptions#offload): one read per TCP super-packet instead of one per segment.
     * {@code -Dnetext.tun.offload=false} turns them off (to compare in benchmarks).
     */
    static final boolean TUN_OFFLOAD = Boolean.parseBoolean(System.getProperty("netext.tun.offload", "true"));

    private final Path stateDir;
    private final String instance;
    private volatile KillSwitch killSwitch;

    public TunnelLauncher() {
        this(StateLedger.DEFAULT_DIR);
    }

    public TunnelLauncher(Path stateDir) {
        this(stateDir, null);
    }

    /**
     * A launcher whose ledger files are {@code tunnel-INSTANCE-…}: one process running several tunnels (the daemon)
     * needs one ledger per tunnel, and a ledger's name is otherwise only its namespace and pid. Recovery still
     * covers every {@code tunnel-*} ledger.
     */
    public TunnelLauncher(Path stateDir, String instance) {
        this.stateDir = stateDir;
        this.instance = instance;
    }

    /**
     * The profile's kill switch, installed by the caller for as long as the profile is enabled: each launch opens it
     * to the new TUN device and bypass mark before the provider starts (so its first handshake passes), and a
     * failed launch closes it again. The caller calls {@link KillSwitch#tunnelDown} when a launched tunnel ends.
     */
    public TunnelLauncher withKillSwitch(KillSwitch killSwitch) {
        this.killSwitch = killSwitch;
        return this;
    }

    /** Removes what crashed instances in this namespace left; returns what was undone. */
    public List<StateLedger.Recovery> recover(RtNetlink rtnl) throws Exception {
        return StateLedger.recover(stateDir, LedgerKind.TUNNEL, e -> NetlinkConfigurator.undo(rtnl, e));
    }

    public RunningTunnel launch(Profile profile, PacketTunnelProvider provider, TunnelListener listener) throws Exception {
        return launch(profile, provider, listener, Map.of());
    }

    /** {@link #launch(Profile, PacketTunnelProvider, TunnelListener)} with start options ({@code TunnelContext.startOptions}). */
    public RunningTunnel launch(Profile profile, PacketTunnelProvider provider, TunnelListener listener,
                                Map<String, String> startOptions) throws Exception {
        TunnelSection section = profile.tunnel().orElseThrow(() ->
                new IllegalArgumentException("profile " + profile.name() + " has no tunnel section"));
        RtNetlink rtnl = RtNetlink.open();
        StateLedger ledger = null;
        TunDevice tun = null;
        PathMonitor monitor = null;
        AppRouting apps = null;
        try {
            List<StateLedger.Recovery> recovered = new ArrayList<>(recover(rtnl));
            recovered.addAll(ResolvConf.recover(stateDir)); // a killed instance's resolv.conf, before anything names it
            recovered.addAll(AppRouting.recover(stateDir)); // its per-app table, whose rule went with the tunnel's ledger
            recovered.addAll(HostProxyConfigurator.recover(stateDir)); // and its proxy environment files
            ledger = StateLedger.create(stateDir, LedgerKind.TUNNEL, instance);
            TunOptions options = TunOptions.defaults().withOffload(TUN_OFFLOAD);
            if (section.interfaceName() != null) options = options.withName(section.interfaceName());
            tun = TunDevice.open(options);
            // recorded after creation (only now is the name known); a TUN device dies with its process anyway
            ledger.record(LedgerEntry.of("link", "name", tun.name(), "index", Integer.toString(tun.ifindex())));
            // enforce-routes: the routes go into the tunnel's own table, whose rule comes before main, so they win
            // over more specific routes in main (the more specific LAN route loses)
            int table = section.table().orElse(section.killSwitch().enforceRoutes()
                    ? NetlinkConfigurator.derivedTable(tun.ifindex()) : 0);
            NetlinkConfigurator configurator = new NetlinkConfigurator(rtnl, ledger, tun.ifindex(), table,
                    section.bypassMark().orElse(0));
            if (killSwitch != null) killSwitch.tunnelUp(tun.name(), configurator.bypassMark());
            Consumer<String> log = line -> listener.log(profile.name(), line);
            Consumer<Map<String, String>> refused = attributes ->
                    listener.published(profile.name(), RefusedSettings.EVENT, attributes, ProviderEvent.NO_FLOW);
            NetworkConfigurator outer;
            if (section.apps().isEmpty()) {
                HostDnsConfigurator withDns = new HostDnsConfigurator(configurator, profile.name(), stateDir, log, refused);
                outer = new HostProxyConfigurator(withDns, profile.name(), stateDir, HostProxyConfigurator.ETC, log, refused);
            } else {
                // a host proxy would reach every session, not the listed apps: AppRouting applies none, so the runtime
                // refuses it with an event (RefusedSettings)
                configurator.perApp();
                outer = apps = AppRouting.open(configurator, stateDir, instance, section.apps(), configurator.appMark(), log);
            }
            TunnelRuntime runtime = new TunnelRuntime(profile.name(), provider, new TunTunnelDevice(tun), outer,
                    section.settings(), section.options(), listener);
            runtime.setStartOptions(startOptions);
            profile.memory().ifPresent(m -> runtime.setMemoryBudget(m.hardBytes() > 0 ? m.hardBytes() : m.softBytes()));
            monitor = PathMonitor.start(runtime::pathChanged);
            runtime.start();
            return new RunningTunnel(runtime, configurator, monitor, ledger, rtnl, recovered, apps);
        } catch (Exception | Error e) {
            if (killSwitch != null) killSwitch.tunnelDown();
            if (apps != null) apps.close();
            if (monitor != null) monitor.close();
            if (tun != null) tun.close();
            if (ledger != null) {
                for (LedgerEntry entry : ledger.entries().reversed()) {
                    try {
                        NetlinkConfigurator.undo(rtnl, entry);
                    } catch (Exception ignored) {
                        // best effort; the ledger stays for the next start if this fails
                    }
                }
                ledger.close();
            }
            rtnl.close();
            throw e;
        }
    }
}
