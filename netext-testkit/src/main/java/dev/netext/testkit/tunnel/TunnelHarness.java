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
 * against packets the test scripts with {@link dev.netext.testkit.packet.Packets}. A provider author's unit test:
 *
 * <pre>{@code
 * var settings = TunnelNetworkSettings.of(List.of(IpPrefix.parse("10.7.0.1/24")), List.of(IpPrefix.parse("10.7.0.0/24")), 1400);
 * try (var tunnel = TunnelHarness.start(new MyProvider(), settings)) {
 *     tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.2", 1, 1));
 *     ParsedPacket reply = Packets.parse(tunnel.awaitWritten(Duration.ofSeconds(1)));
 *     assertThat(reply.isEchoReply()).isTrue();
 *     assertThat(tunnel.appliedSettings()).isEqualTo(settings);
 * }
 * }</pre>
 *
 * <p>A complete, commented example is {@code ProviderTestingExample} in this module's tests
 * ({@code netext-testkit/src/test/java/dev/netext/testkit/ProviderTestingExample.java}): a small provider that drops
 * one destination and answers the rest, tested for what it writes, what it drops, its settings and its shutdown.
 *
 * <p>What the provider writes is collected until taken with {@link #awaitWritten} or {@link #drainWritten}; closing
 * the harness stops the provider as a user would ({@link StopReason#USER_INITIATED}) and returns once the tunnel is
 * torn down.
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

    /** The next {@code count} packets written, in order; fewer if {@code timeout} passes first. */
    public List<byte[]> awaitWritten(int count, Duration timeout) throws InterruptedException {
        return device.awaitWritten(count, timeout);
    }

    public List<byte[]> drainWritten() { return device.drainWritten(); }

    /** The simulated device, e.g. to check it was closed. */
    public SimulatedTunnelDevice device() { return device; }

    /** The host runtime running the provider. */
    public TunnelRuntime runtime() { return runtime; }

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
