package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.capture.CaptureRing;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.daemon.supervisor.CallFailed;
import dev.netext.daemon.supervisor.ProviderRun;
import dev.netext.daemon.supervisor.ProviderLauncher;
import dev.netext.daemon.supervisor.ProviderSupervisor;
import dev.netext.daemon.tunnel.RunningTunnel;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.tunnel.PacketTap;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelStats;
import dev.netext.tunnel.killswitch.KillSwitch;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A profile's {@code tunnel:} section under the daemon. Its life — launch, crash, back-off, restart, memory budget and
 * their events — is the {@link ProviderSupervisor}'s; this class adds what is a tunnel's own:
 *
 * <pre>
 *   launch → the provider resolved afresh (its plugin's class loader as the context loader of the launching thread,
 *            so every thread it starts inherits it) → TunnelLauncher (a ledger of its own; connecting → connected)
 *            → a watcher waits for the runtime to end: an end we did not ask for is a crash
 *   stop   → RunningTunnel.stop (disconnecting → disconnected), nothing left behind; its counters are kept
 * </pre>
 * With {@code include-all-networks} the profile's {@link KillSwitch} is installed before the supervisor's first
 * launch and removed after its stop: it follows the profile's enabled state, across crashes and restarts (each launch
 * opens it to its TUN device, each end closes it again). Without it installed, the tunnel does not start.
 * Other tunnels have supervisors of their own and never wait for this one.
 */
final class TunnelComponent implements ProfileComponent {
    private final Profile profile;
    private final TunnelSection section;
    private final DaemonServices services;
    private final TunnelLauncher launcher;
    private final Listener listener = new Listener();
    private final ProviderSupervisor<RunningTunnel> supervisor;
    private final long[] finished = new long[4]; // counters of runtimes that have ended: bytes in/out, packets in/out
    private final List<CaptureRing> captures = new CopyOnWriteArrayList<>();
    private final PacketTap fanout = new Fanout();
    /** How long a reload's stopped kill switch waits for the changed profile's start before it goes. */
    private static final Duration RELOAD_GRACE = Duration.ofSeconds(5);
    private KillSwitch killSwitch; // while the profile is enabled, with include-all-networks
    private volatile String killSwitchError;
    private volatile Map<String, String> startOptions = Map.of(); // the last netext up's; kept across restarts

    TunnelComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.section = profile.tunnel().orElseThrow();
        this.services = services;
        this.launcher = new TunnelLauncher(services.stateDir(), profile.name());
        this.supervisor = new ProviderSupervisor<>(profile.name(), kind(), services.restartPolicy(), services.events(),
                profile.memory().orElse(null), new Launcher());
    }

    /** The tunnel section's factory. */
    static ComponentFactory factory() {
        return (profile, services) -> profile.tunnel().map(_ -> new TunnelComponent(profile, services));
    }

    @Override public String kind() { return "tunnel"; }

    @Override
    public void start() {
        if (section.killSwitch().includeAllNetworks()) {
            synchronized (this) {
                if (killSwitch == null) {
                    try {
                        killSwitch = KillSwitch.install(services.stateDir(), profile.name(),
                                section.killSwitch().excludeLocalNetworks());
                        launcher.withKillSwitch(killSwitch);
                        killSwitchError = null;
                    } catch (IOException | RuntimeException e) {
                        // fail closed: a tunnel meant to be guarded never runs unguarded
                        killSwitchError = "kill switch not installed: " + e.getMessage();
                        services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                                e.getClass().getSimpleName(), killSwitchError, false));
                        return;
                    }
                }
            }
        }
        supervisor.start();
    }

    @Override
    public void stop(StopReason reason) {
        supervisor.stop(reason);
        synchronized (this) {
            // a clean stop or disable: traffic goes direct again; a reload restarting the profile hands the table to
            // the profile's next start, so the network never opens in between
            if (killSwitch != null && reason == StopReason.CONFIGURATION_REMOVED) killSwitch.handOver(RELOAD_GRACE);
            else if (killSwitch != null) killSwitch.close();
            killSwitch = null;
            launcher.withKillSwitch(null);
        }
    }

    @Override
    public ComponentStatus status() {
        RunningTunnel rt = supervisor.instance();
        ProviderStatus s = rt == null ? ProviderStatus.DISCONNECTED : rt.runtime().status();
        long[] c;
        synchronized (finished) {
            c = finished.clone();
        }
        if (rt != null) {
            TunnelStats st = rt.runtime().stats();
            c[0] += st.bytesIn();
            c[1] += st.bytesOut();
            c[2] += st.packetsIn();
            c[3] += st.packetsOut();
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("bytes_in", c[0]);
        counters.put("bytes_out", c[1]);
        counters.put("packets_in", c[2]);
        counters.put("packets_out", c[3]);
        supervisor.counters(counters);
        String state = supervisor.state();
        String detail = rt != null ? "on " + rt.runtime().device().name() : state.equals("starting") ? "connecting" : state;
        String error = killSwitchError != null ? killSwitchError : supervisor.lastError();
        return new ComponentStatus(kind(), s, section.provider(), detail, supervisor.restarts(), error, counters);
    }

    /**
     * Sends an app's message to the running provider ({@link PacketTunnelProvider#handleAppMessage}), bounded by
     * {@code timeout} through the supervisor; see {@link ProviderSupervisor#ask} for what a failure does.
     */
    byte[] message(byte[] message, Duration timeout) throws CallFailed, InterruptedException {
        byte[] reply = supervisor.ask(rt -> () -> rt.runtime().provider().handleAppMessage(message), timeout, "handleAppMessage");
        return reply == null ? new byte[0] : reply;
    }

    @Override public Map<String, MessageTarget> messageTargets() { return Map.of(kind(), this::message); }

    /**
     * The start options of the next launch ({@code netext up NAME --option k=v}); a running provider keeps its own.
     *
     * @return whether the provider is running already, so that they wait for its next start
     */
    boolean startOptions(Map<String, String> options) {
        this.startOptions = Map.copyOf(options);
        return supervisor.serving();
    }

    /** The TUN device's name while running, or null. */
    String interfaceName() {
        RunningTunnel rt = supervisor.instance();
        return rt == null ? null : rt.runtime().device().name();
    }

    /**
     * Tees this tunnel's packets into {@code ring} — across provider restarts — until {@link #detach}; with no
     * capture attached the runtime has no tap at all.
     */
    void attach(CaptureRing ring) {
        captures.add(ring);
        RunningTunnel rt = supervisor.instance();
        if (rt != null) rt.runtime().setTap(fanout);
    }

    void detach(CaptureRing ring) {
        captures.remove(ring);
        RunningTunnel rt = supervisor.instance();
        if (captures.isEmpty() && rt != null) rt.runtime().setTap(null);
    }

    /** Every attached capture sees every packet; each drops on its own when its reader falls behind. */
    private final class Fanout implements PacketTap {
        @Override public void outbound(PacketBatch batch, int count) {
            for (CaptureRing r : captures) r.outbound(batch, count);
        }

        @Override public void inbound(PacketBatch batch) {
            for (CaptureRing r : captures) r.inbound(batch);
        }
    }

    private void addFinished(TunnelStats st) {
        synchronized (finished) {
            finished[0] += st.bytesIn();
            finished[1] += st.bytesOut();
            finished[2] += st.packetsIn();
            finished[3] += st.packetsOut();
        }
    }

    /** A tunnel's own part of its life. */
    private final class Launcher implements ProviderLauncher<RunningTunnel> {
        @Override
        public RunningTunnel launch(ProviderRun<RunningTunnel> run) throws Exception {
            Thread self = Thread.currentThread();
            ClassLoader previous = self.getContextClassLoader();
            try {
                ResolvedPlugin<PacketTunnelProvider> resolved = services.resolver().resolve(section.provider(), profile.source());
                // the provider's own loader for everything it runs: its start, and every thread it spawns inherits it
                self.setContextClassLoader(resolved.classLoader() != null ? resolved.classLoader() : previous);
                PacketTunnelProvider provider = resolved.create();
                Map<String, String> options = startOptions;
                if (!options.isEmpty()) // NE passes them to startTunnel only; here they are in the log as well
                    services.events().publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, profile.name(), 0,
                            "tunnel.start-options", options));
                RunningTunnel rt = launcher.launch(profile, provider, listener, options);
                if (!captures.isEmpty()) rt.runtime().setTap(fanout);
                run.watch(() -> rt.runtime().awaitTermination());
                return rt;
            } finally {
                self.setContextClassLoader(previous);
            }
        }

        @Override
        public void stop(ProviderRun<RunningTunnel> run, StopReason reason) {
            RunningTunnel rt = run.instance();
            rt.stop(reason); // the runtime is down; release the monitor and sweep the ledger
            KillSwitch ks;
            synchronized (TunnelComponent.this) {
                ks = killSwitch;
            }
            if (ks != null) ks.tunnelDown(); // until the next launch, only the exceptions pass
            addFinished(rt.runtime().stats());
        }

        @Override
        public void memoryPressure(RunningTunnel rt, ProviderEvent.MemoryBudgetExceeded event) {
            rt.runtime().memoryPressure(event);
        }
    }

    /** Status changes become events; provider log lines go to the daemon's log under the profile's name. */
    private final class Listener implements TunnelListener {
        @Override
        public void statusChanged(String tunnel, ProviderStatus from, ProviderStatus to) {
            services.events().publish((s, t) -> new ProviderEvent.StatusChanged(s, t, profile.name(), from, to));
        }

        @Override
        public void published(String tunnel, String type, Map<String, String> attributes, long flowId) {
            services.events().publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, profile.name(), flowId, type, attributes));
        }

        @Override
        public void log(String tunnel, String message) {
            LoggerFactory.getLogger("netext.provider." + profile.name()).info(message);
        }
    }
}
