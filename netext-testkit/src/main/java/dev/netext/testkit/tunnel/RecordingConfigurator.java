package dev.netext.testkit.tunnel;

import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.TunnelDevice;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records the settings a provider applies instead of configuring a kernel. */
public final class RecordingConfigurator implements NetworkConfigurator {
    private final List<TunnelNetworkSettings> history = new CopyOnWriteArrayList<>();
    private volatile TunnelNetworkSettings current;
    private volatile boolean cleared;
    private final AtomicInteger clears = new AtomicInteger();

    @Override
    public void apply(TunnelDevice device, TunnelNetworkSettings settings) {
        history.add(settings);
        current = settings;
        cleared = false;
    }

    @Override
    public void clear(TunnelDevice device) {
        current = null;
        cleared = true;
        clears.incrementAndGet();
    }

    @Override
    public int bypassMark() { return 0x4e58_0000; }

    /** The settings in force, or {@code null}. */
    public TunnelNetworkSettings current() { return current; }

    /** Every settings object applied, in order. */
    public List<TunnelNetworkSettings> history() { return List.copyOf(history); }

    /** Whether the host removed the settings (at stop, or the provider passed {@code null}). */
    public boolean cleared() { return cleared; }

    /** How many times settings were removed: once per stop, plus once per {@code setTunnelNetworkSettings(null)}. */
    public int clearCount() { return clears.get(); }
}
