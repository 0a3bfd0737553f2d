package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.daemon.capture.CaptureRing;
import dev.netext.daemon.memory.MemoryWatch;
import dev.netext.daemon.memory.ThreadGroupAllocation;
import dev.netext.daemon.plugin.ResolvedProvider;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.daemon.tunnel.RunningTunnel;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.tunnel.PacketTap;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A profile's {@code tunnel:} section under the daemon: the provider resolved afresh for every start (its plugin's
 * class loader as the context loader of every thread it starts), launched with {@link TunnelLauncher} under a ledger
 * of its own, watched, and restarted with backoff when it fails.
 *
 * <pre>
 *   start → [worker] resolve → launch (connecting → connected) → watcher waits for the runtime to end
 *   failure (start threw, a loop threw, cancelTunnel) → [worker] tear down → ProviderFailed
 *           → after RestartPolicy.delay(attempt): ProviderRestarted → launch …
 *   stop → [worker] cancel the pending restart, tear down (disconnecting → disconnected), nothing left behind
 * </pre>
 *
 * Every state change runs on the component's one worker thread, so start, stop, failures and restarts never race;
 * other tunnels have workers of their own and never wait for this one.
 */
final class TunnelComponent implements ProfileComponent {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelComponent.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Profile profile;
    private final TunnelSection section;
    private final DaemonServices services;
    private final TunnelLauncher launcher;
    private final Listener listener = new Listener();

    private volatile ScheduledExecutorService worker; // written under this by start/stop; exists between them
    // worker-thread state (volatile where status() reads it)
    private volatile RunningTunnel running;
    private volatile boolean wanted;
    private volatile String detail = "stopped";
    private volatile String lastError;
    private volatile long restarts;
    private int attempt;
    private long connectedAt;
    private ScheduledFuture<?> pendingRestart;
    private final long[] finished = new long[4]; // counters of runtimes that have ended: bytes in/out, packets in/out
    private final List<CaptureRing> captures = new CopyOnWriteArrayList<>();
    private final PacketTap fanout = new Fanout();
    /** The provider's threads: the worker runs its start in this group, so what it starts is in it too. */
    private final ThreadGroup threads;
    private final ThreadGroupAllocation allocation;
    private final MemoryWatch memory;            // null without a budget
    private ScheduledFuture<?> memorySampler;

    TunnelComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.section = profile.tunnel().orElseThrow();
        this.services = services;
        this.launcher = new TunnelLauncher(services.stateDir(), profile.name());
        this.threads = new ThreadGroup("netext-provider-" + profile.name());
        this.allocation = new ThreadGroupAllocation(threads);
        this.memory = profile.memory().map(MemoryWatch::new).orElse(null);
    }

    /** The tunnel section's factory. */
    static ComponentFactory factory() {
        return (profile, services) -> profile.tunnel().map(_ -> new TunnelComponent(profile, services));
    }

    @Override public String kind() { return "tunnel"; }

    @Override
    public synchronized void start() {
        if (worker == null) {
            worker = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().group(threads).name("netext-tunnel-" + profile.name()).daemon(true).factory());
        }
        worker.execute(() -> {
            if (wanted) return;
            wanted = true;
            attempt = 0;
            launch();
        });
    }

    @Override
    public synchronized void stop(StopReason reason) {
        if (worker == null) return;
        ScheduledExecutorService w = worker;
        worker = null;
        try {
            w.submit(() -> {
                wanted = false;
                stopMemorySampler();
                if (pendingRestart != null) pendingRestart.cancel(false);
                pendingRestart = null;
                RunningTunnel rt = running;
                running = null; // before stopping: the watcher then knows the end was ours
                if (rt != null) {
                    rt.stop(reason);
                    addFinished(rt.runtime().stats());
                }
                detail = "stopped";
            }).get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            LOG.warn("stopping tunnel {} failed", profile.name(), e.getCause());
        } catch (TimeoutException e) {
            LOG.warn("tunnel {} did not stop within {} (provider start still running?)", profile.name(), STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            w.shutdownNow();
        }
    }

    @Override
    public ComponentStatus status() {
        RunningTunnel rt = running;
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
        if (memory != null) {
            counters.put("memory_window_bytes", memory.windowBytes());
            counters.put("memory_window_peak_bytes", memory.peakWindowBytes());
            counters.put("memory_soft_bytes", memory.budget().softBytes());
            counters.put("memory_hard_bytes", memory.budget().hardBytes());
        }
        return new ComponentStatus(kind(), s, section.provider(), detail, restarts, lastError, counters);
    }

    /** The TUN device's name while running, or null. */
    String interfaceName() {
        RunningTunnel rt = running;
        return rt == null ? null : rt.runtime().device().name();
    }

    /**
     * Tees this tunnel's packets into {@code ring} — across provider restarts — until {@link #detach}; with no
     * capture attached the runtime has no tap at all.
     */
    void attach(CaptureRing ring) {
        captures.add(ring);
        RunningTunnel rt = running;
        if (rt != null) rt.runtime().setTap(fanout);
    }

    void detach(CaptureRing ring) {
        captures.remove(ring);
        RunningTunnel rt = running;
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

    // ---- worker thread ----

    private void launch() {
        if (!wanted || running != null) return;
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        try {
            ResolvedProvider resolved = services.resolver().resolve(section.provider(), profile.source());
            // the provider's own loader for everything it runs: its start, and every thread it spawns inherits it
            self.setContextClassLoader(resolved.classLoader() != null ? resolved.classLoader() : previous);
            PacketTunnelProvider provider = resolved.create();
            detail = "connecting";
            RunningTunnel rt = launcher.launch(profile, provider, listener);
            running = rt;
            if (!captures.isEmpty()) rt.runtime().setTap(fanout);
            startMemorySampler();
            connectedAt = System.nanoTime();
            detail = "on " + rt.runtime().device().name();
            watch(rt, worker());
        } catch (Exception | LinkageError e) {
            failed(e);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    /** Never takes the lock: stop() holds it while it waits for this thread. */
    private ScheduledExecutorService worker() { return worker; }

    /** Waits, on a thread of its own, for the runtime to end, then lets the worker act on it. */
    private void watch(RunningTunnel rt, ScheduledExecutorService w) {
        Thread.ofPlatform().name("netext-watch-" + profile.name()).daemon(true).start(() -> {
            Throwable failure;
            try {
                failure = rt.runtime().awaitTermination();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (w != null) w.execute(() -> ended(rt, failure));
            } catch (RejectedExecutionException e) {
                // stopped meanwhile: stop() tore it down
            }
        });
    }

    private void ended(RunningTunnel rt, Throwable failure) {
        if (running != rt) return; // we stopped it
        running = null;
        stopMemorySampler();
        rt.stop(StopReason.PROVIDER_FAILED); // the runtime is down; release the monitor and sweep the ledger
        addFinished(rt.runtime().stats());
        failed(failure != null ? failure : new IllegalStateException("provider stopped on its own"));
    }

    private void failed(Throwable e) {
        lastError = e.toString();
        if (connectedAt != 0 && System.nanoTime() - connectedAt >= services.restartPolicy().stableAfter().toNanos()) attempt = 0;
        connectedAt = 0;
        attempt++;
        boolean again = wanted && services.restartPolicy().gives(attempt);
        LOG.warn("tunnel {}: provider {} failed (attempt {}){}: {}", profile.name(), section.provider(), attempt,
                again ? ", restarting" : "", e.toString());
        services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                e.getClass().getName(), e.getMessage() == null ? "" : e.getMessage(), again));
        if (!again) {
            detail = "failed: " + e.getMessage();
            return;
        }
        Duration delay = services.restartPolicy().delay(attempt);
        detail = "restarting in " + delay.toMillis() + " ms after: " + e.getMessage();
        int a = attempt;
        ScheduledExecutorService w = worker();
        if (w == null) return;
        try {
            pendingRestart = w.schedule(() -> {
                pendingRestart = null;
                if (!wanted || running != null) return;
                restarts++;
                services.events().publish((s, t) -> new ProviderEvent.ProviderRestarted(s, t, profile.name(), a));
                launch();
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException ignored) {
            // stopping
        }
    }

    private void startMemorySampler() {
        if (memory == null || memorySampler != null || !ThreadGroupAllocation.supported()) return;
        long every = Math.clamp(memory.budget().window().toMillis() / 10, 50, 1000);
        allocation.total(); // threads alive now count from here on
        memorySampler = worker().scheduleAtFixedRate(this::sampleMemory, every, every, TimeUnit.MILLISECONDS);
    }

    private void stopMemorySampler() {
        if (memorySampler != null) memorySampler.cancel(false);
        memorySampler = null;
    }

    /** Worker thread, every window/10: soft → event + the provider's pressure listeners; hard → event, then stop. */
    private void sampleMemory() {
        RunningTunnel rt = running;
        if (rt == null) return;
        ProviderEvent.MemoryLimit crossed = memory.sample(System.nanoTime(), allocation.total());
        if (crossed == null) return;
        long used = memory.windowBytes();
        long limit = crossed == ProviderEvent.MemoryLimit.HARD ? memory.budget().hardBytes() : memory.budget().softBytes();
        ProviderEvent.MemoryBudgetExceeded event = (ProviderEvent.MemoryBudgetExceeded) services.events().publish((s, t) ->
                new ProviderEvent.MemoryBudgetExceeded(s, t, profile.name(), crossed, limit, used));
        LOG.warn("tunnel {}: provider {} allocated {} bytes in {} ms, over its {} limit of {}", profile.name(), section.provider(),
                used, memory.budget().window().toMillis(), crossed.name().toLowerCase(java.util.Locale.ROOT), limit);
        if (crossed == ProviderEvent.MemoryLimit.SOFT) {
            rt.runtime().memoryPressure(event);
            return;
        }
        // hard: stopped, not restarted — it would cross the limit again; 'netext up' or a reload starts it anew
        stopMemorySampler();
        wanted = false;
        running = null;
        rt.stop(StopReason.MEMORY_LIMIT);
        addFinished(rt.runtime().stats());
        lastError = "memory limit: allocated " + used + " bytes in " + memory.budget().window().toMillis()
                + " ms (hard limit " + limit + ")";
        detail = "stopped: " + lastError;
    }

    private void addFinished(TunnelStats st) {
        synchronized (finished) {
            finished[0] += st.bytesIn();
            finished[1] += st.bytesOut();
            finished[2] += st.packetsIn();
            finished[3] += st.packetsOut();
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
