package dev.netext.daemon.server;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.control.ControlAccess;
import dev.netext.daemon.kafka.KafkaTarget;
import dev.netext.daemon.profile.TunnelConfigImporter;
import dev.netext.tunnel.builtin.BuiltinProviders;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a {@link Daemon} runs with. Only the control socket and the state directory are required; build it with
 * {@link #builder}, which leaves every export off and every policy at its default.
 *
 * @param profilesDir     the directory of {@code *.yaml} profiles (may not exist), or null for none
 * @param profileFiles    extra profile files
 * @param controlSocket   the control socket path
 * @param stateDir        where ledgers live ({@code /run/netext})
 * @param pluginDirs      shared plugin directories ({@code /etc/netext/plugins})
 * @param metrics         loopback address for {@code /metrics}, or null for none
 * @param eventsFile      JSON-lines export target, {@code -} for stdout, or null for none
 * @param resolvConf      the resolver configuration on-demand rules read
 * @param restartPolicy   how crashed providers come back
 * @param bytesInterval   how often connected tunnels report {@code TunnelBytes}
 * @param tunnelProviders built-in tunnel providers by name (the CLI adds {@code wireguard} to echo and pong)
 * @param configImporters readers of provider config files ({@code tunnel.config}), by provider name
 * @param otlpEndpoint    an OTLP/HTTP collector to send the event log to as logs ({@code /v1/logs}), or null
 * @param dashboard       loopback address of the dashboard (port 0 picks one), or null for none
 * @param kafka           a Kafka broker and topic to produce the event log to, one record per event, or null
 * @param controlGroup    whose members may use the control socket for some ops ({@code ControlAccess})
 */
public record DaemonConfig(Path profilesDir, List<Path> profileFiles, Path controlSocket, Path stateDir,
                           List<Path> pluginDirs, InetSocketAddress metrics, Path eventsFile, Path resolvConf,
                           RestartPolicy restartPolicy, Duration bytesInterval,
                           Map<String, Supplier<PacketTunnelProvider>> tunnelProviders,
                           Map<String, TunnelConfigImporter> configImporters, URI otlpEndpoint,
                           InetSocketAddress dashboard, KafkaTarget kafka, String controlGroup) {
    public DaemonConfig {
        Objects.requireNonNull(controlSocket, "controlSocket");
        Objects.requireNonNull(stateDir, "stateDir");
        profileFiles = List.copyOf(profileFiles);
        pluginDirs = List.copyOf(pluginDirs);
        Objects.requireNonNull(resolvConf, "resolvConf");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(bytesInterval, "bytesInterval");
        tunnelProviders = Map.copyOf(tunnelProviders);
        configImporters = Map.copyOf(configImporters);
        Objects.requireNonNull(controlGroup, "controlGroup");
    }

    /** A daemon answering on {@code controlSocket} that keeps its ledgers in {@code stateDir}. */
    public static Builder builder(Path controlSocket, Path stateDir) {
        return new Builder(controlSocket, stateDir);
    }

    /** Defaults: no profiles, plugins or exports, {@code /etc/resolv.conf}, {@link RestartPolicy#DEFAULT}. */
    public static final class Builder {
        private final Path controlSocket;
        private final Path stateDir;
        private Path profilesDir;
        private List<Path> profileFiles = List.of();
        private List<Path> pluginDirs = List.of();
        private InetSocketAddress metrics;
        private Path eventsFile;
        private Path resolvConf = Path.of("/etc/resolv.conf");
        private RestartPolicy restartPolicy = RestartPolicy.DEFAULT;
        private Duration bytesInterval = Duration.ofSeconds(10);
        private Map<String, Supplier<PacketTunnelProvider>> tunnelProviders = BuiltinProviders.TUNNEL;
        private Map<String, TunnelConfigImporter> configImporters = Map.of();
        private URI otlpEndpoint;
        private InetSocketAddress dashboard;
        private KafkaTarget kafka;
        private String controlGroup = ControlAccess.DEFAULT_GROUP;

        private Builder(Path controlSocket, Path stateDir) {
            this.controlSocket = controlSocket;
            this.stateDir = stateDir;
        }

        public Builder profiles(Path dir, List<Path> files) {
            this.profilesDir = dir;
            this.profileFiles = files;
            return this;
        }

        public Builder pluginDirs(List<Path> dirs) { this.pluginDirs = dirs; return this; }
        public Builder metrics(InetSocketAddress address) { this.metrics = address; return this; }
        public Builder eventsFile(Path file) { this.eventsFile = file; return this; }
        public Builder resolvConf(Path file) { this.resolvConf = file; return this; }
        public Builder restartPolicy(RestartPolicy policy) { this.restartPolicy = policy; return this; }
        public Builder bytesInterval(Duration interval) { this.bytesInterval = interval; return this; }

        public Builder providers(Map<String, Supplier<PacketTunnelProvider>> tunnel,
                                 Map<String, TunnelConfigImporter> importers) {
            this.tunnelProviders = tunnel;
            this.configImporters = importers;
            return this;
        }

        public Builder otlpEndpoint(URI endpoint) { this.otlpEndpoint = endpoint; return this; }
        public Builder dashboard(InetSocketAddress address) { this.dashboard = address; return this; }
        public Builder kafka(KafkaTarget target) { this.kafka = target; return this; }
        public Builder controlGroup(String group) { this.controlGroup = group; return this; }

        public DaemonConfig build() {
            return new DaemonConfig(profilesDir, profileFiles, controlSocket, stateDir, pluginDirs, metrics, eventsFile,
                    resolvConf, restartPolicy, bytesInterval, tunnelProviders, configImporters, otlpEndpoint, dashboard,
                    kafka, controlGroup);
        }
    }
}
