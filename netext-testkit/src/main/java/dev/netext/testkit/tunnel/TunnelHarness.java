package dev.netext.testkit.tunnel;

import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelRuntime;
import dev.netext.tunnel.TunnelStats;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs a {@link PacketTunnelProvider} in-JVM, under the same {@link TunnelRuntime} netext uses on a real TUN device,
 * against packets the test scripts. A provider author's unit test:
 *
 * <pre>{@code
 * try (var tunnel = TunnelHarness.start(new MyProvider(), settings)) {
 *     tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.2", 1, 1));
 *     byte[] reply = tunnel.awaitWritten(Duration.ofSeconds(1));
 *     assertThat(tunnel.appliedSettings()).isEqualTo(settings);
 * }
 * }</pre>
 */
public final class TunnelHarness implements AutoCloseable {
    private final SimulatedTunnelDevice device;
    private final RecordingConfigurator configurator = new RecordingConfigurator();
    private final TunnelRuntime runtime;
    private final List<ProviderStatus> statuses = new CopyOnWriteArrayList<>();
    private final List<String> logs = new CopyOnWriteArrayList<>();

    private TunnelHarness(PacketTunnelProvider provider, TunnelNetworkSettings settings, Map<String, Object> options) {
        this.device = new SimulatedTunnelDevice("sim0");
        this.runtime = new TunnelRuntime("sim", provider, device, configurator, settings, options, new TunnelListener() {
            @Override
            public void statusChanged(String tunnel, ProviderStatus from, ProviderStatus to) { statuses.add(to); }

            @Override
            public void log(String tunnel, String message) { logs.add(message); }
        });
    }

    /** Starts {@code provider} with the profile settings {@code settings}; returns once {@code startTunnel} returned. */
    public static TunnelHarness start(PacketTunnelProvider provider, TunnelNetworkSettings settings) throws Exception {
        return start(provider, settings, Map.of());
    }

    public static TunnelHarness start(PacketTunnelProvider provider, TunnelNetworkSettings settings,
                                      Map<String, Object> options) throws Exception {
        TunnelHarness h = new TunnelHarness(provider, settings, options);
        h.runtime.start();
        return h;
    }

    public void inject(byte[] packet) { device.inject(packet); }

    public byte[] awaitWritten(Duration timeout) throws InterruptedException { return device.awaitWritten(timeout); }

    public List<byte[]> drainWritten() { return device.drainWritten(); }

    public void emitPathEvent(PathEvent event) { runtime.pathChanged(event); }

    public TunnelNetworkSettings appliedSettings() { return configurator.current(); }

    public RecordingConfigurator configurator() { return configurator; }

    public ProviderStatus status() { return runtime.status(); }

    /** Every status the tunnel went through, in order. */
    public List<ProviderStatus> statusHistory() { return List.copyOf(statuses); }

    public List<String> logs() { return List.copyOf(logs); }

    public TunnelStats stats() { return runtime.stats(); }

    /** The provider's failure, or {@code null}. */
    public Throwable failure() { return runtime.failure(); }

    public boolean awaitStopped(Duration timeout) throws InterruptedException { return runtime.awaitTermination(timeout); }

    public void stop(StopReason reason) { runtime.stop(reason); }

    @Override
    public void close() { runtime.stop(StopReason.USER_INITIATED); }
}
