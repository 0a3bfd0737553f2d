package dev.netext.daemon.tunnel;

import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.RefusedSettings;
import dev.netext.tunnel.TunnelDevice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A tunnel's configurator with one of its settings given to the host (its DNS to the host's resolver, its HTTP proxy
 * to the host's sessions): every {@code setTunnelNetworkSettings} puts the rest in place through {@code next}, then
 * the setting into the host when it changed, taking the one before away first; {@link #clear} takes it away, then the
 * rest. A setting that cannot be applied fails the call with the reason, as a bad route does; one the host refuses
 * without failing the tunnel is reported through {@code refused} (a {@link RefusedSettings#EVENT} event) by the
 * subclass.
 *
 * @param <S> the setting; an unchanged one ({@code equals}) is not applied again
 */
public abstract class HostSettingConfigurator<S> implements NetworkConfigurator {
    private final NetworkConfigurator next;
    private final S none;
    protected final String tunnel;
    protected final Path stateDir;
    /** One line for people (the tunnel's log) when the setting is applied or refused. */
    protected final Consumer<String> report;
    /** The attributes of a {@link RefusedSettings#EVENT} event for a setting that is not applied. */
    protected final Consumer<Map<String, String>> refused;
    private S applied;
    private int ifindex;

    protected HostSettingConfigurator(NetworkConfigurator next, S none, String tunnel, Path stateDir,
                                      Consumer<String> report, Consumer<Map<String, String>> refused) {
        this.next = next;
        this.none = none;
        this.applied = none;
        this.tunnel = tunnel;
        this.stateDir = stateDir;
        this.report = report;
        this.refused = refused;
    }

    /** The setting of {@code settings} this configurator gives to the host. */
    protected abstract S setting(TunnelNetworkSettings settings);

    /** Whether {@code setting} asks nothing of the host. */
    protected abstract boolean isEmpty(S setting);

    /**
     * Gives {@code setting} to the host. Returns whether it now stands as applied: false for a refusal that is to be
     * reported again at the next {@code apply}.
     */
    protected abstract boolean put(TunnelDevice device, S setting) throws IOException;

    /** Takes what {@link #put} gave to the host away again; nothing when nothing was given. */
    protected abstract void takeAway();

    /** Whether the setting belongs to the device, so a new device (another index) needs it put again. */
    protected boolean followsDevice() { return false; }

    /** The index of the device the setting was put for. */
    protected final int appliedIfindex() { return ifindex; }

    @Override
    public final synchronized void apply(TunnelDevice device, TunnelNetworkSettings settings) throws IOException {
        next.apply(device, settings);
        S wanted = setting(settings);
        if (wanted.equals(applied) && (!followsDevice() || device.index() == ifindex)) return;
        remove();
        if (isEmpty(wanted)) return;
        if (put(device, wanted)) {
            applied = wanted;
            ifindex = device.index();
        }
    }

    @Override
    public final synchronized void clear(TunnelDevice device) {
        remove();
        next.clear(device);
    }

    private void remove() {
        takeAway();
        applied = none;
    }

    @Override
    public int bypassMark() { return next.bypassMark(); }

    @Override
    public void recordOwnedFile(Path path) throws IOException { next.recordOwnedFile(path); }
}
