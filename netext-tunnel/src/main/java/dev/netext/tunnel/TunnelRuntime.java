package dev.netext.tunnel;

import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one {@link PacketTunnelProvider} over one {@link TunnelDevice}: the provider host's lifecycle.
 *
 * <pre>
 *   start():  DISCONNECTED → CONNECTING → provider.startTunnel(context) → CONNECTED
 *   loops:    provider threads: packetFlow.readPackets ⇄ device.read / writePackets → device.write
 *   stop():   → DISCONNECTING → provider.stopTunnel → device.close (wakes readers) → join loops
 *             → configurator.clear → DISCONNECTED
 * </pre>
 *
 * A loop that throws, or {@link TunnelContext#cancelTunnel}, stops the tunnel with
 * {@link StopReason#PROVIDER_FAILED}; {@link #awaitTermination} then returns the cause. Stopping is idempotent and
 * runs once, whichever thread asks first.
 */
public final class TunnelRuntime implements AutoCloseable {
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final PacketTunnelProvider provider;
    private final TunnelDevice device;
    private final NetworkConfigurator configurator;
    private final TunnelNetworkSettings profileSettings;
    private final Map<String, Object> options;
    private final TunnelListener listener;
    private final TunnelStats stats = new TunnelStats();
    private final List<Thread> loops = new CopyOnWriteArrayList<>();
    private final List<Consumer<PathEvent>> pathListeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Context context = new Context();
    private final Flow flow = new Flow();

    private final Object lock = new Object();
    private ProviderStatus status = ProviderStatus.DISCONNECTED;
    private TunnelNetworkSettings applied;
    private volatile Throwable failure;
    private boolean stopping;

    public TunnelRuntime(String name, PacketTunnelProvider provider, TunnelDevice device, NetworkConfigurator configurator,
                         TunnelNetworkSettings profileSettings, Map<String, Object> options, TunnelListener listener) {
        this.name = Objects.requireNonNull(name);
        this.provider = Objects.requireNonNull(provider);
        this.device = Objects.requireNonNull(device);
        this.configurator = Objects.requireNonNull(configurator);
        this.profileSettings = provider.adjustSettings(Objects.requireNonNull(profileSettings));
        this.options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options)); // values may be null
        this.listener = listener == null ? TunnelListener.NONE : listener;
    }

    public String name() { return name; }

    public TunnelDevice device() { return device; }

    public TunnelStats stats() { return stats; }

    public ProviderStatus status() {
        synchronized (lock) {
            return status;
        }
    }

    /** The settings the provider applied last, or {@code null}. */
    public TunnelNetworkSettings appliedSettings() {
        synchronized (lock) {
            return applied;
        }
    }

    /** The cause of a provider failure, or {@code null}. */
    public Throwable failure() { return failure; }

    /**
     * Starts the provider. On failure everything is undone (device closed, settings removed) and the cause thrown.
     */
    public void start() throws Exception {
        setStatus(ProviderStatus.CONNECTING);
        try {
            provider.startTunnel(context, options);
        } catch (Throwable t) {
            failure = t;
            stop(StopReason.PROVIDER_FAILED);
            throw t instanceof Exception e ? e : new IllegalStateException(t);
        }
        synchronized (lock) {
            if (status == ProviderStatus.CONNECTING) status(ProviderStatus.CONNECTED);
        }
        if (failure != null) throw new IllegalStateException("provider failed while starting", failure);
    }

    /** Delivers a path change to the provider's listeners. */
    public void pathChanged(PathEvent event) {
        listener.pathChanged(name, event);
        for (Consumer<PathEvent> l : pathListeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                listener.log(name, "path listener failed: " + e);
            }
        }
    }

    /** Stops the tunnel and removes everything it applied. Safe to call from any thread, any number of times. */
    public void stop(StopReason reason) {
        synchronized (lock) {
            if (stopping) return;
            stopping = true;
            status(ProviderStatus.DISCONNECTING);
        }
        try {
            provider.stopTunnel(reason);
        } catch (Throwable t) {
            listener.log(name, "stopTunnel failed: " + t);
        }
        device.close();
        Thread self = Thread.currentThread();
        for (Thread t : loops) {
            if (t != self) t.interrupt();
        }
        for (Thread t : loops) {
            if (t == self) continue;
            try {
                if (!t.join(JOIN_TIMEOUT)) listener.log(name, "loop " + t.getName() + " did not end within " + JOIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        configurator.clear(device);
        synchronized (lock) {
            applied = null;
            status(ProviderStatus.DISCONNECTED);
        }
        terminated.countDown();
    }

    /** Blocks until the tunnel has stopped. Returns the provider's failure, or {@code null} for a clean stop. */
    public Throwable awaitTermination() throws InterruptedException {
        terminated.await();
        return failure;
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        stop(StopReason.USER_INITIATED);
    }

    private void setStatus(ProviderStatus next) {
        synchronized (lock) {
            status(next);
        }
    }

    /** Caller holds {@link #lock}. */
    private void status(ProviderStatus next) {
        ProviderStatus prev = status;
        if (prev == next) return;
        status = next;
        listener.statusChanged(name, prev, next);
    }

    private void fail(Throwable cause) {
        if (failure == null) failure = cause;
        listener.failed(name, cause);
        Thread.ofPlatform().name(name + "-stop").start(() -> stop(StopReason.PROVIDER_FAILED));
    }

    private final class Context implements TunnelContext {
        @Override
        public String interfaceName() { return device.name(); }

        @Override
        public TunnelNetworkSettings profileSettings() { return profileSettings; }

        @Override
        public void setTunnelNetworkSettings(TunnelNetworkSettings settings) throws IOException {
            synchronized (lock) {
                if (stopping) throw new IOException("tunnel " + name + " is stopping");
                if (settings == null) {
                    configurator.clear(device);
                } else {
                    configurator.apply(device, settings);
                }
                applied = settings;
            }
        }

        @Override
        public PacketFlow packetFlow() { return flow; }

        @Override
        public void spawn(String loopName, ThrowingRunnable loop) {
            Objects.requireNonNull(loop);
            synchronized (lock) {
                if (stopping) throw new IllegalStateException("tunnel " + name + " is stopping");
                Thread t = Thread.ofPlatform().name(name + "-" + loopName).daemon(true).unstarted(() -> {
                    try {
                        loop.run();
                    } catch (InterruptedException e) {
                        if (!isStopping()) fail(e);
                    } catch (Throwable t2) {
                        if (!isStopping()) fail(t2);
                    }
                });
                loops.add(t);
                t.start();
            }
        }

        @Override
        public void setReasserting(boolean reasserting) {
            synchronized (lock) {
                if (stopping) return;
                if (reasserting && status == ProviderStatus.CONNECTED) status(ProviderStatus.REASSERTING);
                else if (!reasserting && status == ProviderStatus.REASSERTING) status(ProviderStatus.CONNECTED);
            }
        }

        @Override
        public void cancelTunnel(Throwable error) {
            fail(error == null ? new IllegalStateException("provider cancelled the tunnel") : error);
        }

        @Override
        public void onPathChange(Consumer<PathEvent> l) { pathListeners.add(Objects.requireNonNull(l)); }

        @Override
        public int bypassMark() { return configurator.bypassMark(); }

        @Override
        public void log(String message) { listener.log(name, message); }
    }

    private boolean isStopping() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** The provider's view of the device; counts per batch, so the per-packet path stays allocation-free. */
    private final class Flow implements PacketFlow {
        @Override
        public int readPackets(PacketBatch batch) throws IOException {
            int n = device.read(batch);
            if (n > 0) {
                long bytes = 0;
                for (int i = 0; i < n; i++) bytes += batch.length(i);
                stats.countIn(n, bytes);
            }
            return n;
        }

        @Override
        public int writePackets(PacketBatch batch) throws IOException {
            int n = device.write(batch);
            if (n > 0) {
                long bytes = 0;
                for (int i = 0; i < batch.count(); i++) bytes += batch.length(i);
                stats.countOut(n, bytes);
            }
            return n;
        }

        @Override
        public PacketBatch newBatch() {
            TunnelNetworkSettings s = appliedSettings();
            int mtu = s != null ? s.effectiveMtu() : profileSettings.effectiveMtu();
            return PacketBatch.allocate(PacketBatch.DEFAULT_CAPACITY, device.slotSize(mtu));
        }
    }

    /** Names of the running loops (for diagnostics). */
    public List<String> loopNames() {
        List<String> names = new ArrayList<>();
        for (Thread t : loops) if (t.isAlive()) names.add(t.getName());
        return names;
    }
}
