package dev.netext.cli;

import dev.netext.daemon.control.ControlAccess;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.kafka.KafkaTarget;
import dev.netext.daemon.otlp.OtlpLogsExporter;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.server.Daemon;
import dev.netext.daemon.server.DaemonConfig;
import dev.netext.daemon.server.ReloadResult;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.linux.state.StateLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code netext daemon}: netextd in the foreground, as systemd runs it ({@code Type=simple}). SIGHUP reloads the
 * profiles, SIGINT/SIGTERM stop everything and exit 0; a profile set with errors at start exits 2 (which the unit
 * does not restart on) only when a broken file is marked {@code required: true}; other broken files are left out
 * and reported.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Run netextd: every profile in the profiles directory, a control socket for netext status/up/down/"
                + "reload/events, and metrics on loopback. SIGHUP reloads; SIGTERM stops and removes everything."})
public final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--profiles-dir", paramLabel = "DIR", description = "Profiles (*.yaml) to run (default: ${DEFAULT-VALUE}).")
    Path profilesDir = Path.of("/etc/netext/profiles.d");

    @Option(names = "--profile", paramLabel = "FILE", description = "An extra profile file (repeatable).")
    List<Path> profiles = new ArrayList<>();

    @Option(names = "--control", paramLabel = "SOCKET", description = "Control socket (default: ${DEFAULT-VALUE}).")
    Path control = ControlClient.DEFAULT_SOCKET;

    @Option(names = "--control-group", paramLabel = "GROUP", description = "Members of this group may use the control socket "
            + "to read the daemon's state and start or stop its profiles (netext status, up, down, events, …; a refused "
            + "command lists them); everything else needs root (default: ${DEFAULT-VALUE}; no such group: root only).")
    String controlGroup = ControlAccess.DEFAULT_GROUP;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where crash-recovery ledgers live (default: ${DEFAULT-VALUE}).")
    Path stateDir = StateLedger.DEFAULT_DIR;

    @Option(names = "--plugins-dir", paramLabel = "DIR", description = "Shared plugin jars (repeatable; default: /etc/netext/plugins). "
            + "plugins/ next to a profile is always searched first.")
    List<Path> pluginDirs = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "HOST:PORT|off", description = "Prometheus /metrics on this loopback address (default: ${DEFAULT-VALUE}; port 0 picks one).")
    String metrics = "127.0.0.1:9464";

    @Option(names = "--dashboard", paramLabel = "HOST:PORT|off", description = "The dashboard (live flows, prompts, DNS, tunnels) on this loopback address, token-protected; netext dashboard prints its URL (default: ${DEFAULT-VALUE}; port 0 picks one).")
    String dashboard = "127.0.0.1:9465";

    @Option(names = "--events-file", paramLabel = "FILE|-", description = "Append every event as a JSON line to FILE, or '-' for stdout (schema: docs/events.schema.json).")
    Path eventsFile;

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = "Send every event as an OTLP log record (OTLP/HTTP JSON, POST URL/v1/logs), e.g. http://127.0.0.1:4318.")
    URI otlpEndpoint;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", description = "Produce every event to Kafka, one record per event "
            + "(key: flow id, else provider; value: the JSON line), through this broker (several: comma-separated). Needs --kafka-topic.")
    String kafkaBootstrap;

    @Option(names = "--kafka-topic", paramLabel = "TOPIC", description = "The topic of --kafka-bootstrap.")
    String kafkaTopic;

    @Option(names = "--resolv-conf", paramLabel = "FILE", hidden = true, description = "Resolver configuration on-demand rules read.")
    Path resolvConf = Path.of("/etc/resolv.conf");

    @Option(names = "--restart-delay", paramLabel = "MILLIS", converter = OptionRange.Millis.class, description = "First restart delay of a crashed provider; doubles per failure (default: ${DEFAULT-VALUE}).")
    long restartDelayMillis = 1000;

    @Option(names = "--restart-max-delay", paramLabel = "MILLIS", converter = OptionRange.Millis.class, description = "Longest restart delay (default: ${DEFAULT-VALUE}).")
    long restartMaxDelayMillis = 60_000;

    @Option(names = "--bytes-interval", paramLabel = "MILLIS", converter = OptionRange.Millis.class, hidden = true, description = "How often connected tunnels report TunnelBytes events.")
    long bytesIntervalMillis = 10_000;

    @Override
    public Integer call() throws Exception {
        UpCommand.Preflight.requireNetAdmin();
        DaemonConfig config = DaemonConfig.builder(control, stateDir)
                .profiles(profilesDir, profiles)
                .pluginDirs(pluginDirs.isEmpty() ? List.of(ProviderResolver.SYSTEM_PLUGIN_DIR) : pluginDirs)
                .metrics(metricsAddress())
                .eventsFile(eventsFile)
                .resolvConf(resolvConf)
                .restartPolicy(new RestartPolicy(Duration.ofMillis(restartDelayMillis),
                        Duration.ofMillis(Math.max(restartDelayMillis, restartMaxDelayMillis)), Duration.ofSeconds(30), 0))
                .bytesInterval(Duration.ofMillis(Math.max(100, bytesIntervalMillis)))
                .providers(Providers.TUNNEL, Providers.CONFIG_IMPORTERS)
                .otlpEndpoint(otlpEndpoint)
                .dashboard(loopback("--dashboard", dashboard))
                .kafka(kafkaTarget())
                .controlGroup(controlGroup())
                .build();
        if (otlpEndpoint != null) {
            try {
                OtlpLogsExporter.logsUri(otlpEndpoint);
            } catch (IllegalArgumentException e) {
                throw new UserError("--otlp-endpoint: " + e.getMessage());
            }
        }
        Signals.Stop stop = Signals.stopOnSignal(); // taken before the control socket listens: a client may stop us then
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (ProfileException e) {
            System.err.println("netext daemon: a profile marked required has errors; nothing was started");
            System.err.println(e.getMessage());
            return 2;
        }
        stop.then(daemon::close);
        Thread hook = Thread.ofPlatform().unstarted(daemon::close);
        Runtime.getRuntime().addShutdownHook(hook);
        // The JVM leaves a signal alone that was ignored when it started (nohup does that to SIGHUP): say so, or a
        // `kill -HUP` would do nothing without a word.
        if (Signal.handle(new Signal("HUP"), _ -> Thread.ofPlatform().name("netext-reload").start(() -> reload(daemon)))
                == SignalHandler.SIG_IGN)
            System.err.println("netext daemon: warning: SIGHUP is ignored in this process (started under nohup?); "
                    + "reload with 'netext reload' instead");
        for (var b : daemon.brokenProfiles()) {
            System.err.println("netext daemon: " + b.file() + " has errors and was not started (netext status lists them):");
            for (var e : b.errors()) System.err.println("  " + e);
        }
        System.err.println("netext daemon: ready; " + daemon.supervisor().profiles().size() + " profile(s); control socket "
                + daemon.controlSocket() + (daemon.metricsUrl() == null ? "" : "; metrics " + daemon.metricsUrl())
                + (daemon.dashboardPage() == null ? "" : "; dashboard " + daemon.dashboardPage() + " (token in "
                + daemon.dashboardTokenFile() + "; netext dashboard prints the URL with it)"));
        daemon.awaitStopped();
        Runtime.getRuntime().removeShutdownHook(hook);
        System.err.println("netext daemon: stopped");
        return 0;
    }

    private String controlGroup() {
        if (!controlGroup.matches("[a-z_][a-z0-9_-]*[$]?") || controlGroup.length() > 32)
            throw new UserError("--control-group: '" + controlGroup + "' is not a group name (lower case letters, digits, _ and -)");
        return controlGroup;
    }

    private KafkaTarget kafkaTarget() {
        if (kafkaBootstrap == null && kafkaTopic == null) return null;
        if (kafkaBootstrap == null) throw new UserError("--kafka-topic needs --kafka-bootstrap HOST:PORT");
        if (kafkaTopic == null) throw new UserError("--kafka-bootstrap needs --kafka-topic TOPIC");
        try {
            return new KafkaTarget(kafkaBootstrap, kafkaTopic);
        } catch (IllegalArgumentException e) {
            throw new UserError("--kafka-bootstrap/--kafka-topic: " + e.getMessage());
        }
    }

    private static void reload(Daemon daemon) {
        try {
            ReloadResult r = daemon.reload();
            System.err.println("netext daemon: reloaded (SIGHUP): " + r);
        } catch (ProfileException e) {
            System.err.println("netext daemon: reload refused, the profiles have errors; nothing was changed\n" + e.getMessage());
        } catch (RuntimeException e) {
            System.err.println("netext daemon: reload failed: " + e);
        }
    }

    private InetSocketAddress metricsAddress() throws Exception { return loopback("--metrics", metrics); }

    /** A loopback HOST:PORT option, or null for {@code off}. */
    static InetSocketAddress loopback(String option, String value) throws Exception {
        if (value == null || value.equals("off")) return null;
        int colon = value.lastIndexOf(':');
        if (colon < 0) throw new UserError(option + ": expected HOST:PORT (like 127.0.0.1:9464) or off");
        String host = value.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UserError(option + ": '" + value.substring(colon + 1) + "' is not a port");
        }
        if (port < 0 || port > 65_535) throw new UserError(option + ": port " + port + " is out of range (accepted: " + OptionRange.describe(0, 65_535) + ")");
        InetAddress a = InetAddress.getByName(host.isEmpty() ? "127.0.0.1" : host);
        if (!a.isLoopbackAddress()) throw new UserError(option + ": listens only on loopback (127.0.0.1 or ::1), not " + host);
        return new InetSocketAddress(a, port);
    }
}
