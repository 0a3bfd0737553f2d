package dev.netext.daemon.interception;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Flow;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.daemon.supervisor.CallFailed;
import dev.netext.daemon.supervisor.ProviderRun;
import dev.netext.daemon.supervisor.ProviderLauncher;
import dev.netext.daemon.supervisor.ProviderSupervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A custom {@link FilterDataProvider} (a profile's {@code filter.provider} class, from the class path or a plugin jar)
 * run in isolation, as the flow engine's provider. Its life — launch, bounded calls, crashes, back-off, restarts and
 * their events — is the {@link ProviderSupervisor}'s; this class adds what is a filter's own:
 *
 * <pre>
 *   engine ─handleNewFlow/…Data/…Complete/flowClosed─▶ this ─▶ the run's executor (platform threads named after the
 *     profile, the plugin's class loader as context loader) ─▶ provider   (caller waits ≤ callTimeout)
 *   while no instance serves (crashed, restarting): every flow gets the failure verdict (on-failure: allow | drop)
 *   launch: the constructor and startFilter (≤ START_TIMEOUT each) with the engine's context and settings
 * </pre>
 *
 * Interception never stops: the engine keeps its listeners and steering while the provider restarts, so flows are
 * decided (by the failure verdict) rather than left to hang. A hung instance is abandoned with its executor, so it
 * cannot starve its successor. Its threads are platform threads of the {@link ThreadGroup} of the thread that created
 * this filter, so the daemon's memory budget for the component counts them (virtual threads would escape it).
 */
public final class SupervisedFilter implements FilterDataProvider {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedFilter.class);
    /** How long one call into the provider may take before it counts as hung (a crash), unless the profile says. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** How long the constructor, startFilter, stopFilter and fetchRules may take. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final ResolvedPlugin<FilterDataProvider> plugin;
    private final FinalVerdict onFailure;
    private final Duration callTimeout;
    private final ProviderSupervisor<FilterDataProvider> supervisor;
    private volatile long memoryBudgetBytes; // 0: none
    private volatile FilterContext hostContext; // the engine's, kept for restarts
    private volatile Map<String, Object> options = Map.of();

    /**
     * @param name      the profile's name: provider of the events
     * @param plugin    the resolved provider class (a fresh instance per start)
     * @param onFailure the verdict on flows while the provider is down
     * @param events    where ProviderFailed / ProviderRestarted go (numbered by the daemon's log when it is one)
     */
    public SupervisedFilter(String name, ResolvedPlugin<FilterDataProvider> plugin, RestartPolicy policy,
                            FinalVerdict onFailure, EventSink events, Duration callTimeout) {
        this.name = name;
        this.plugin = plugin;
        this.onFailure = onFailure;
        this.callTimeout = callTimeout;
        this.supervisor = new ProviderSupervisor<>(name, "filter", policy, events, null, new Launcher());
    }

    /** The hard limit the provider is told of ({@code FilterContext.memoryBudgetBytes}); 0 for none. */
    public void memoryBudget(long hardBytes) { this.memoryBudgetBytes = hardBytes; }

    /**
     * Tells the serving instance's {@code onMemoryPressure} listeners, each on the instance's executor (a listener
     * that throws is a crash like any other call). Does nothing while the provider is down.
     */
    public void memoryPressure(ProviderEvent.MemoryBudgetExceeded event) {
        ProviderRun<FilterDataProvider> r = supervisor.run();
        if (r != null) r.memoryPressure(event);
    }

    /** Restarts so far. */
    public long restarts() { return supervisor.restarts(); }

    /** The last crash, or null. */
    public String lastError() { return supervisor.lastError(); }

    /** True while an instance is serving (not crashed, not waiting for its restart). */
    public boolean serving() { return supervisor.serving(); }

    /** An app's message to the serving instance, through the supervisor's bounded, capped {@code ask}. */
    public byte[] message(byte[] data, Duration timeout) throws CallFailed, InterruptedException {
        byte[] reply = supervisor.ask(p -> () -> p.handleAppMessage(data), timeout, "handleAppMessage");
        return reply == null ? new byte[0] : reply;
    }

    // ---- the engine's side ----

    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) {
        this.hostContext = context;
        this.options = options == null ? Map.of() : options;
        supervisor.startAndWait(); // a start that fails is a crash like any other: reported and retried
    }

    @Override
    public void stopFilter(StopReason reason) { supervisor.stop(reason); }

    @Override
    public FilterVerdict handleNewFlow(Flow flow) {
        return ask(p -> p.handleNewFlow(flow), "handleNewFlow");
    }

    @Override
    public DataVerdict handleOutboundData(Flow flow, long offset, ByteBuffer data) {
        return ask(p -> p.handleOutboundData(flow, offset, data), "handleOutboundData");
    }

    @Override
    public DataVerdict handleInboundData(Flow flow, long offset, ByteBuffer data) {
        return ask(p -> p.handleInboundData(flow, offset, data), "handleInboundData");
    }

    @Override
    public FinalVerdict handleOutboundDataComplete(Flow flow) {
        return ask(p -> p.handleOutboundDataComplete(flow), "handleOutboundDataComplete");
    }

    @Override
    public FinalVerdict handleInboundDataComplete(Flow flow) {
        return ask(p -> p.handleInboundDataComplete(flow), "handleInboundDataComplete");
    }

    /** The serving instance's answer; the failure verdict while none serves or when this call crashed it. */
    @SuppressWarnings("unchecked")
    private <V> V ask(Function<FilterDataProvider, V> question, String what) {
        ProviderRun<FilterDataProvider> r = supervisor.run();
        if (r == null) return (V) onFailure;
        V v = r.call(() -> question.apply(r.instance()), callTimeout, what);
        return v == null && !r.alive() ? (V) onFailure : v;
    }

    /**
     * The serving instance's answer, asked on the caller's thread (the engine's I/O thread, as a flow's first packet
     * leaves), not through the instance's executor: the API has these answer at once without blocking, and a hop per
     * flow would cost what the fast path saves. While no instance serves, or when it throws: the terminated path,
     * which every filter can use.
     */
    @Override
    public FlowPath pathFor(Flow opening) {
        FlowPath p = askAtOnce(i -> i.pathFor(opening), "pathFor");
        return p == null ? FlowPath.TERMINATED : p;
    }

    /** As {@link #pathFor}: empty (ask {@code pathFor} once attributed) while no instance serves or when it throws. */
    @Override
    public Optional<FlowPath> pathWithoutProcess(Flow opening) {
        Optional<FlowPath> p = askAtOnce(i -> i.pathWithoutProcess(opening), "pathWithoutProcess");
        return p == null ? Optional.empty() : p;
    }

    /** As {@link #pathFor}: true (wait for the process) while no instance serves or when it throws. */
    @Override
    public boolean needsProcess() {
        Boolean b = askAtOnce(FilterDataProvider::needsProcess, "needsProcess");
        return b == null || b;
    }

    /** {@code question} put to the serving instance on this thread, with the plugin's context loader; null if none. */
    private <V> V askAtOnce(Function<FilterDataProvider, V> question, String what) {
        ProviderRun<FilterDataProvider> r = supervisor.run();
        if (r == null) return null;
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(plugin.classLoader());
        try {
            return question.apply(r.instance());
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("filter {}: {} threw {}", name, what, e.toString());
            return null;
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /** May block on the network by contract: its failures are the provider's answer (the fallback), not a crash. */
    @Override
    public void fetchRules(Flow flow) throws Exception {
        ProviderRun<FilterDataProvider> r = supervisor.run();
        if (r == null) throw new IllegalStateException("filter " + name + " is restarting");
        Future<?> f = r.executor().submit(() -> {
            r.instance().fetchRules(flow);
            return null;
        });
        try {
            f.get(START_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    @Override
    public void handleFlowClosed(Flow flow, long inboundBytes, long outboundBytes) {
        ProviderRun<FilterDataProvider> r = supervisor.run();
        if (r != null) r.submit(() -> r.instance().handleFlowClosed(flow, inboundBytes, outboundBytes), "handleFlowClosed");
    }

    /** A filter's own part of its life: a fresh instance of the plugin's class, started with the engine's context. */
    private final class Launcher implements ProviderLauncher<FilterDataProvider> {
        @Override
        public FilterDataProvider launch(ProviderRun<FilterDataProvider> run) throws Exception {
            // the constructor runs plugin code too: on the plugin's loader, never on the engine's threads
            FilterDataProvider provider = run.bounded(plugin::create, START_TIMEOUT, "constructor");
            FilterContext mine = new IsolatedContext(hostContext, run);
            Map<String, Object> opts = options;
            run.bounded(() -> {
                provider.startFilter(mine, opts);
                return null;
            }, START_TIMEOUT, "startFilter");
            LOG.info("filter {}: {} ({}) started", name, plugin.type().getName(), plugin.origin());
            return provider;
        }

        @Override
        public void stop(ProviderRun<FilterDataProvider> run, StopReason reason) {
            run.quietly(() -> run.instance().stopFilter(reason), START_TIMEOUT, "stopFilter");
        }

        @Override public ClassLoader loader() { return plugin.classLoader(); }
    }

    /** The engine's context, except that the provider's own loops and its cancel() are crashes of its run. */
    private final class IsolatedContext implements FilterContext {
        private final FilterContext host;
        private final ProviderRun<FilterDataProvider> run;

        IsolatedContext(FilterContext host, ProviderRun<FilterDataProvider> run) {
            this.host = host;
            this.run = run;
        }

        @Override public FilterControl control() { return host.control(); }

        @Override public String name() { return host.name(); }

        @Override public ProviderKind kind() { return host.kind(); }

        @Override public void log(String message) { host.log(message); }

        @Override public void publish(String type, Map<String, String> attributes, long flowId) { host.publish(type, attributes, flowId); }

        @Override public int bypassMark() { return host.bypassMark(); }

        @Override public void spawn(String loopName, ThrowingRunnable loop) { run.spawn(loopName, loop); }

        @Override public void onPathChange(Consumer<PathEvent> listener) { host.onPathChange(listener); }

        @Override
        public OptionalLong memoryBudgetBytes() {
            long b = memoryBudgetBytes;
            return b > 0 ? OptionalLong.of(b) : OptionalLong.empty();
        }

        @Override public void onMemoryPressure(Consumer<ProviderEvent.MemoryBudgetExceeded> listener) { run.onMemoryPressure(listener); }

        @Override public void cancel(Throwable error) { run.crash(error); }
    }
}
