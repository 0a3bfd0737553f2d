package dev.netext.tunnel;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
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
 * runs once, whichever thread asks first; every caller returns once the tunnel is down. Listeners are told of
 * status changes under the runtime's lock, in order; provider code (start, stop, path listeners) never runs under it.
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
    private final CountingPacketFlow flow;
    private volatile long memoryBudgetBytes = -1;
    private volatile Map<String, String> startOptions = Map.of();
    private final List<Consumer<ProviderEvent.MemoryBudgetExceeded>> pressureListeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    private ProviderStatus status = ProviderStatus.DISCONNECTED;
    private TunnelNetworkSettings applied;
    private volatile Throwable failure;
    private boolean stopping;
    private boolean started;
    private boolean starting;       // startTunnel is running
    private boolean failStopScheduled;
    private Thread stopper;         // the thread running the teardown

    public TunnelRuntime(String name, PacketTunnelProvider provider, TunnelDevice device, NetworkConfigurator configurator,
                         TunnelNetworkSettings profileSettings, Map<String, Object> options, TunnelListener listener) {
        this.name = Objects.requireNonNull(name);
        this.provider = Objects.requireNonNull(provider);
        this.device = Objects.requireNonNull(device);
        this.configurator = Objects.requireNonNull(configurator);
        this.profileSettings = provider.adjustSettings(Objects.requireNonNull(profileSettings));
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options)); // values may be null
        this.listener = listener == null ? TunnelListener.NONE : listener;
        this.flow = new CountingPacketFlow(device, stats, () -> {
            TunnelNetworkSettings applied = appliedSettings();
            return (applied != null ? applied : this.profileSettings).effectiveMtu();
        });
    }

    public String name() { return name; }

    public TunnelDevice device() { return device; }

    /** The provider this runtime hosts (for calls the host makes beside the lifecycle: app messages). */
    public PacketTunnelProvider provider() { return provider; }

    public TunnelStats stats() { return stats; }

    /** The budget the provider sees in {@code TunnelContext.memoryBudgetBytes()}; set before {@link #start}. */
    public void setMemoryBudget(long bytes) { this.memoryBudgetBytes = bytes; }

    /** What the provider sees in {@code TunnelContext.startOptions()}; set before {@link #start}. */
    public void setStartOptions(Map<String, String> options) { this.startOptions = Map.copyOf(options); }

    /** Tells the provider's {@code onMemoryPressure} listeners; one that throws is logged and skipped. */
    public void memoryPressure(ProviderEvent.MemoryBudgetExceeded event) {
        for (Consumer<ProviderEvent.MemoryBudgetExceeded> l : pressureListeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                listener.log(name, "memory pressure listener failed: " + e);
            }
        }
    }

    /** Tees every packet that passes to {@code tap} (both directions) until replaced; {@code null} ends it. */
    public void setTap(PacketTap tap) { flow.setTap(tap); }

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
     * Starts the provider. On failure everything is undone (device closed, settings removed) before the cause is
     * thrown. A runtime starts once: a second call, or a call after {@link #stop}, throws
     * {@link IllegalStateException}.
     *
     * <p>A failure reported while {@code startTunnel} still runs (a loop that throws, {@link TunnelContext#cancelTunnel})
     * is acted on when {@code startTunnel} returns, so the provider never sees {@code stopTunnel} while its
     * {@code startTunnel} is running on account of its own failure; {@link #stop} from another thread, by contrast,
     * proceeds at once (it may be what unblocks a hanging start). If the tunnel was stopped that way while starting,
     * this method returns normally and {@link #status()} tells.
     */
    public void start() throws Exception {
        synchronized (lock) {
            if (started || stopping) throw new IllegalStateException("tunnel " + name + " was already started or stopped");
            started = true;
            starting = true;
            status(ProviderStatus.CONNECTING);
        }
        try {
            provider.startTunnel(context, options);
        } catch (Throwable t) {
            Throwable root;
            synchronized (lock) {
                starting = false;
                if (failure == null) failure = t;
                root = failure;
            }
            stop(StopReason.PROVIDER_FAILED); // returns once torn down, even if another thread stops it
            if (root == t) throw t instanceof Exception e ? e : new IllegalStateException(t);
            IllegalStateException e = new IllegalStateException("provider failed while starting", root);
            e.addSuppressed(t);
            throw e;
        }
        Throwable failedWhileStarting;
        synchronized (lock) {
            starting = false;
            failedWhileStarting = failure;
            if (failure == null && status == ProviderStatus.CONNECTING) status(ProviderStatus.CONNECTED);
        }
        if (failedWhileStarting != null) {
            stop(StopReason.PROVIDER_FAILED);
            throw new IllegalStateException("provider failed while starting", failedWhileStarting);
        }
    }

    /** Delivers a path change to the provider's listeners (on the caller's thread; no lock held). */
    public void pathChanged(PathEvent event) {
        try {
            listener.pathChanged(name, event);
        } catch (RuntimeException e) {
            listener.log(name, "path listener failed: " + e);
        }
        for (Consumer<PathEvent> l : pathListeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                listener.log(name, "path listener failed: " + e);
            }
        }
    }

    /**
     * Stops the tunnel and removes everything it applied. Safe to call from any thread, any number of times: the
     * teardown runs once, on the first caller's thread, and later callers return once it is complete (except a
     * caller that is part of the teardown itself, such as a spawned loop or {@code stopTunnel}, which returns at
     * once rather than wait for itself).
     */
    public void stop(StopReason reason) {
        Thread self = Thread.currentThread();
        boolean owner = false;
        synchronized (lock) {
            if (!stopping) {
                stopping = true;
                stopper = self;
                owner = true;
                status(ProviderStatus.DISCONNECTING);
            } else if (self == stopper || loops.contains(self)) {
                return; // part of the teardown: waiting would wait for ourselves
            }
        }
        if (!owner) {
            awaitTerminationQuietly();
            return;
        }
        try {
            try {
                provider.stopTunnel(reason);
            } catch (Throwable t) {
                listener.log(name, "stopTunnel failed: " + t);
            }
            try {
                device.close();
            } catch (RuntimeException e) {
                listener.log(name, "closing " + device.name() + " failed: " + e);
            }
            for (Thread t : loops) {
                if (t != self) t.interrupt();
            }
            long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
            for (Thread t : loops) {
                if (t == self) continue;
                try {
                    long left = Math.max(0, deadline - System.nanoTime());
                    if (!t.join(Duration.ofNanos(left).plusMillis(1)))
                        listener.log(name, "loop " + t.getName() + " did not end within " + JOIN_TIMEOUT);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            try {
                configurator.clear(device);
            } catch (RuntimeException e) {
                listener.log(name, "clearing settings failed: " + e);
            }
        } finally {
            synchronized (lock) {
                applied = null;
                status(ProviderStatus.DISCONNECTED);
            }
            terminated.countDown();
        }
    }

    private void awaitTerminationQuietly() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /**
     * Caller holds {@link #lock}, so listeners see transitions in order. A listener that throws is logged: it must
     * not leave the state machine half-way (a stop that never reaches DISCONNECTED).
     */
    private void status(ProviderStatus next) {
        ProviderStatus prev = status;
        if (prev == next) return;
        status = next;
        try {
            listener.statusChanged(name, prev, next);
        } catch (RuntimeException e) {
            listener.log(name, "status listener failed: " + e);
        }
    }

    /**
     * Records a provider failure and stops the tunnel on a thread of its own (the caller may be a loop that stop
     * joins). Ignored once the tunnel is stopping: loops that end with an exception because the device closed are
     * not failures. While {@code startTunnel} runs, {@link #start} does the stopping when it returns.
     */
    private void fail(Throwable cause) {
        boolean scheduleStop;
        synchronized (lock) {
            if (stopping) return;
            if (failure == null) failure = cause;
            scheduleStop = !starting && !failStopScheduled;
            if (scheduleStop) failStopScheduled = true;
        }
        try {
            listener.failed(name, cause);
        } catch (RuntimeException e) {
            listener.log(name, "failure listener failed: " + e);
        }
        if (scheduleStop) Thread.ofPlatform().name(name + "-stop").start(() -> stop(StopReason.PROVIDER_FAILED));
    }

    private final class Context implements TunnelContext {
        @Override
        public String interfaceName() { return device.name(); }

        /** The tunnel's (profile's) name, not the interface's: what {@link TunnelContext#name()} asks hosts for. */
        @Override
        public String name() { return name; }

        @Override
        public TunnelNetworkSettings profileSettings() { return profileSettings; }

        @Override
        public Map<String, String> startOptions() { return startOptions; }

        /** Applies what the host can; a proxy it cannot is left out and reported ({@link RefusedSettings}). */
        @Override
        public void setTunnelNetworkSettings(TunnelNetworkSettings settings) throws IOException {
            if (settings != null) settings = RefusedSettings.applicable(name, settings, configurator, listener);
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
                    } catch (Throwable t2) {
                        fail(t2); // ignored if the tunnel is stopping
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

        @Override
        public void publish(String type, Map<String, String> attributes, long flowId) {
            listener.published(name, Objects.requireNonNull(type), Map.copyOf(attributes), flowId);
        }

        @Override
        public OptionalLong memoryBudgetBytes() {
            long b = memoryBudgetBytes;
            return b > 0 ? OptionalLong.of(b) : OptionalLong.empty();
        }

        @Override
        public void onMemoryPressure(Consumer<ProviderEvent.MemoryBudgetExceeded> l) {
            pressureListeners.add(Objects.requireNonNull(l));
        }

        @Override
        public void recordOwnedFile(Path path) throws IOException { configurator.recordOwnedFile(path); }
    }

    /** Names of the running loops (for diagnostics). */
    public List<String> loopNames() {
        List<String> names = new ArrayList<>();
        for (Thread t : loops) if (t.isAlive()) names.add(t.getName());
        return names;
    }
}
