package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.ondemand.NetworkState;
import dev.netext.daemon.capture.FlowCapture;
import dev.netext.daemon.control.ControlServer;
import dev.netext.daemon.dashboard.DashboardServer;
import dev.netext.daemon.dashboard.DashboardToken;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.otlp.OtlpLogsExporter;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.JsonLinesExporter;
import dev.netext.daemon.kafka.KafkaEventExporter;
import dev.netext.daemon.metrics.EventCounters;
import dev.netext.daemon.metrics.MetricsServer;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.ProfileSet;
import dev.netext.daemon.profile.ProfileSetLoader;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.tunnel.killswitch.KillSwitch;
import dev.netext.linux.netlink.PathMonitor;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * netextd: the system service that runs managed profiles.
 *
 * <pre>
 *   start: load + validate every profile file (a broken one is left out and reported — status, a
 *          daemon.profile-broken event — unless it is required: then nothing starts) → undo what a crashed daemon
 *          left → supervisor.apply(valid set) → path monitor → on-demand evaluation → metrics → dashboard
 *          → control socket (ready)
 *   reload (SIGHUP, netext reload): load + validate the whole set (refused as a whole on any error, so a file left
 *          out at start blocks reloads until it is fixed or removed; then it starts) → supervisor.apply(difference)
 *          → on-demand evaluation
 *   stop:  control socket → path monitor → every profile stopped (nothing left) → exporters (file, OTLP, Kafka)
 *          → metrics → dashboard
 * </pre>
 *
 * Everything runs in the network namespace of the thread that calls {@link #start}.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** The provider name of the daemon's own events. */
    public static final String EVENT_SOURCE = "netextd";
    /** How long a network must be quiet before on-demand rules are evaluated again (path events come in bursts). */
    static final Duration PATH_SETTLE = Duration.ofMillis(200);

    private final DaemonConfig config;
    private final EventLog events = new EventLog();
    private final EventCounters counters = new EventCounters();
    private final ProviderResolver resolver;
    private final FlowServices flows;
    private final SavedRulesKeeper savedRules;
    private final ProfileSetLoader setLoader;
    private final Supervisor supervisor;
    private final OnDemandController onDemand;
    private final NetworkStateReader networkReader;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("netext-daemon-timer").daemon(true).factory());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long startedNanos = System.nanoTime();
    private JsonLinesExporter exporter;
    private OtlpLogsExporter otlp;
    private KafkaEventExporter kafka;
    private PathMonitor pathMonitor;
    private MetricsServer metrics;
    private DashboardServer dashboard;
    private Path dashboardTokenFile;
    private ControlServer control;
    private ScheduledFuture<?> pendingPathEvaluation;
    private volatile List<ProfileSetLoader.BrokenProfile> broken = List.of();
    private boolean closed;

    private Daemon(DaemonConfig config) {
        this.config = config;
        events.tap(counters);
        this.resolver = new ProviderResolver(config.tunnelProviders(), config.pluginDirs(), Daemon.class.getClassLoader());
        this.setLoader = new ProfileSetLoader(new ProfileLoader(resolver, config.configImporters()));
        this.savedRules = new SavedRulesKeeper(new SavedRules(SavedRules.fileFor(config.stateDir()), Instant::now), events);
        this.flows = FlowServices.on(events, savedRules.rules());
        DaemonServices services = new DaemonServices(events, resolver, config.stateDir(), config.restartPolicy(), flows);
        this.supervisor = new Supervisor(components(), services);
        this.onDemand = new OnDemandController(supervisor, events, Daemon::probe);
        this.networkReader = new NetworkStateReader(config.resolvConf(), config.stateDir());
    }

    /**
     * The section components, in start order (the supervisor stops them in reverse).
     */
    static List<ComponentFactory> components() {
        // the packet filter and the flow filter first and the DNS proxy next, so a tunnel's first packet is filtered
        // and its names resolve
        return List.of(PacketFilterComponent.factory(), FilterComponent.factory(), DnsComponent.factory(),
                TunnelComponent.factory());
    }

    /**
     * Validates the profile files, then starts every valid one; a broken file is left out and reported
     * ({@link #brokenProfiles}), unless it is required: then a {@link ProfileException} before any change.
     */
    public static Daemon start(DaemonConfig config) throws Exception {
        Daemon d = new Daemon(config);
        try {
            d.startUp();
            return d;
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
    }

    private void startUp() throws Exception {
        ProfileSetLoader.Partial loaded = setLoader.loadSkippingBroken(config.profilesDir(), config.profileFiles());
        ProfileSet set = loaded.set();
        if (config.eventsFile() != null) {
            exporter = config.eventsFile().toString().equals("-")
                    ? JsonLinesExporter.toStream(events, new FileOutputStream(FileDescriptor.out) {
                        @Override public void close() {} // never close the process's stdout
                    })
                    : JsonLinesExporter.toFile(events, config.eventsFile());
        }
        if (config.otlpEndpoint() != null) {
            otlp = OtlpLogsExporter.start(events, config.otlpEndpoint(),
                    OtlpLogsExporter.Settings.DEFAULTS, Map.of("service.name", EVENT_SOURCE,
                            "service.instance.id", Long.toString(ProcessHandle.current().pid()),
                            "host.name", hostName()));
        }
        if (config.kafka() != null) kafka = KafkaEventExporter.start(events, config.kafka(), KafkaEventExporter.Settings.DEFAULTS);
        try (RtNetlink rtnl = RtNetlink.open()) {
            List<StateLedger.Recovery> dead = new ArrayList<>(new TunnelLauncher(config.stateDir()).recover(rtnl));
            dead.addAll(FlowCapture.recover(config.stateDir())); // a killed daemon's flow captures
            dead.addAll(ResolvConf.recover(config.stateDir())); // and its tunnels' resolv.conf
            for (StateLedger.Recovery r : dead) {
                LOG.info("removed what a crashed instance (pid {}) left: {} objects", r.pid(), r.undone().size());
                publish("daemon.recovered", Map.of("pid", Integer.toString(r.pid()),
                        "objects", Integer.toString(r.undone().size()), "errors", Integer.toString(r.errors().size())));
            }
        }
        publish("daemon.started", Map.of("pid", Long.toString(ProcessHandle.current().pid()),
                "profiles", Integer.toString(set.profiles().size()), "broken", Integer.toString(loaded.broken().size())));
        broken = loaded.broken();
        for (ProfileSetLoader.BrokenProfile b : broken) {
            publish("daemon.profile-broken", Map.of("file", b.file().toString(), "errors", Integer.toString(b.errors().size()),
                    "first", b.errors().getFirst().toString()));
        }
        savedRules.start(timer); // before the filters: their first flows see the saved rules
        ReloadResult r = supervisor.apply(set);
        LOG.info("profiles: {}", r);
        // after the profiles' own kill switches are in (each replaces the table in one step): a killed daemon's
        // kill switch stays closed until then, and goes only if no profile still asks for one
        for (StateLedger.Recovery k : KillSwitch.recover(config.stateDir()))
            publish("daemon.recovered", Map.of("pid", Integer.toString(k.pid()), "objects", Integer.toString(k.undone().size()),
                    "errors", Integer.toString(k.errors().size())));
        pathMonitor = PathMonitor.start(_ -> pathChanged());
        onDemand.networkChanged(readNetwork()).get(30, TimeUnit.SECONDS);
        long interval = config.bytesInterval().toMillis();
        timer.scheduleAtFixedRate(this::publishTunnelBytes, interval, interval, TimeUnit.MILLISECONDS);
        if (config.metrics() != null) metrics = MetricsServer.start(config.metrics(), new DaemonMetrics(this)::scrape);
        if (config.dashboard() != null) {
            DashboardToken token = DashboardToken.random();
            dashboardTokenFile = token.writeTo(config.stateDir());
            dashboard = DashboardServer.start(config.dashboard(), token, events, flows.table(),
                    new PromptAnswers(supervisor, flows, events, savedRules), savedRules);
        }
        control = ControlServer.start(config.controlSocket(), config.controlGroup(), new ControlOps(this));
    }

    /** Validates the profile set again and applies the difference; a bad set changes nothing. */
    public ReloadResult reload() throws ProfileException {
        ProfileSet set;
        try {
            set = setLoader.load(config.profilesDir(), config.profileFiles());
        } catch (ProfileException e) {
            publish("daemon.reload-refused", Map.of("errors", Integer.toString(e.errors().size()),
                    "first", e.errors().getFirst().toString()));
            throw e;
        }
        savedRules.load();
        ReloadResult r = supervisor.apply(set);
        broken = List.of(); // the whole set is valid now: files left out at start have been fixed or removed
        LOG.info("reload: {}", r);
        try {
            onDemand.reevaluate("reload").get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("on-demand evaluation after reload failed: {}", e.toString());
        }
        return r;
    }

    /** One of the daemon's own events ({@code ProviderMessage} from {@link #EVENT_SOURCE}). */
    private void publish(String messageType, Map<String, String> attributes) {
        events.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, EVENT_SOURCE, ProviderEvent.NO_FLOW,
                messageType, attributes));
    }

    private void pathChanged() {
        synchronized (timer) {
            if (pendingPathEvaluation != null && !pendingPathEvaluation.isDone()) return;
            pendingPathEvaluation = timer.schedule(() -> onDemand.networkChanged(readNetwork()),
                    PATH_SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private NetworkState readNetwork() {
        try {
            return networkReader.read();
        } catch (Exception e) {
            LOG.warn("cannot read the network state: {}", e.toString());
            return onDemand.network();
        }
    }

    private void publishTunnelBytes() {
        try {
            for (ProfileState p : supervisor.status()) {
                for (ComponentStatus c : p.components()) {
                    if (!c.kind().equals("tunnel") || c.status() != ProviderStatus.CONNECTED) continue;
                    Map<String, Long> n = c.counters();
                    events.publish((s, t) -> new ProviderEvent.TunnelBytes(s, t, p.name(), n.getOrDefault("bytes_in", 0L),
                            n.getOrDefault("bytes_out", 0L), n.getOrDefault("packets_in", 0L), n.getOrDefault("packets_out", 0L)));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("tunnel byte report failed: {}", e.toString());
        }
    }

    /** HTTP GET with a short timeout; true for status 200. The probe of on-demand rules. */
    static boolean probe(URI url) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            HttpResponse<Void> r = c.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return false;
        }
    }

    public EventLog events() { return events; }

    public EventCounters counters() { return counters; }

    public Supervisor supervisor() { return supervisor; }

    /** The profile files left out at start because they have errors; empty again after a successful reload. */
    public List<ProfileSetLoader.BrokenProfile> brokenProfiles() { return broken; }

    public OnDemandController onDemand() { return onDemand; }

    /** The hook the DNS layer calls for every query (evaluate-connection rules). */
    public DnsQueryHook dnsQueryHook() { return onDemand; }

    public DaemonConfig config() { return config; }

    /** The Kafka exporter, or null when the event log is not exported to Kafka. */
    public KafkaEventExporter kafkaExporter() { return kafka; }

    public Duration uptime() { return Duration.ofNanos(System.nanoTime() - startedNanos); }

    /** The metrics URL, or null when metrics are off. */
    public String metricsUrl() { return metrics == null ? null : metrics.url(); }

    /** The dashboard's URL with its token (a secret: never log it), or null when the dashboard is off. */
    public String dashboardUrl() { return dashboard == null ? null : dashboard.url(); }

    /** The dashboard's address without its token, or null when the dashboard is off. */
    public String dashboardPage() { return dashboard == null ? null : dashboard.page(); }

    /** The file holding the dashboard's token (root-only), or null when the dashboard is off. */
    public Path dashboardTokenFile() { return dashboardTokenFile; }

    /** Flows, DNS names and session rules shared by the components. */
    public FlowServices flows() { return flows; }

    SavedRulesKeeper savedRules() { return savedRules; }

    public Path controlSocket() { return control == null ? config.controlSocket() : control.path(); }

    /** Blocks until {@link #close} has finished. */
    public void awaitStopped() throws InterruptedException { stopped.await(); }

    /** An event exporter's close: it waits for the last events to go out. */
    private interface ExporterClose {
        void close() throws InterruptedException;
    }

    /** A shutdown step's close of an exporter: an interrupt ends its wait and stays set for the steps after it. */
    private static void closeExporter(ExporterClose close) {
        try {
            close.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops everything; every profile's components leave nothing behind. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        List<Runnable> steps = new ArrayList<>();
        steps.add(() -> { if (control != null) control.close(); });
        steps.add(() -> { if (pathMonitor != null) pathMonitor.close(); });
        steps.add(timer::shutdownNow);
        steps.add(onDemand::close);
        steps.add(supervisor::close);
        steps.add(KillSwitch::closeHandedOver); // a reload removed its profile moments ago: a stop still removes it
        steps.add(() -> publish("daemon.stopped", Map.of()));
        steps.add(() -> { if (exporter != null) closeExporter(exporter::close); });
        steps.add(() -> { if (otlp != null) closeExporter(otlp::close); });
        steps.add(() -> { if (kafka != null) closeExporter(kafka::close); });
        steps.add(() -> { if (metrics != null) metrics.close(); });
        steps.add(() -> { if (dashboard != null) dashboard.close(); });
        steps.add(() -> {
            try {
                if (dashboardTokenFile != null) Files.deleteIfExists(dashboardTokenFile);
            } catch (IOException e) {
                LOG.warn("cannot remove {}: {}", dashboardTokenFile, e.toString());
            }
        });
        steps.add(resolver::close);
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                LOG.warn("shutdown step failed", e);
            }
        }
        stopped.countDown();
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
