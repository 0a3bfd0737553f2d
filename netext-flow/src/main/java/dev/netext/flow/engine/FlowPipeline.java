package dev.netext.flow.engine;

import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.flow.UdpFlow;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.proxy.FlowProxy;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One flow's decision, the same for every transport. The adapters ({@link InterceptedFlow} for TCP,
 * {@link InterceptedUdpFlow} for UDP, {@link QueuedTcpFlow} for the kernel-verdict fast path,
 * {@link dev.netext.flow.inbound.InboundFlow} for a connection another host opens to a local service, judged on its
 * first packet in a netfilter queue) only move bytes or packets. In order:
 * <ol>
 *   <li><b>attribute</b> — the process behind the client's socket (inbound: the server's listening or bound socket),
 *       started at once (while that socket certainly exists) as the flow's task on the engine's one pool
 *       ({@link DecisionPool}, platform threads);</li>
 *   <li><b>name</b> — meanwhile, the adapter shows the namer the client's first bytes ({@link #peeked}) until the
 *       name is settled or the bound is reached: the peek size, the peek timeout ({@link #nameWithin}), the client's
 *       end of input;</li>
 *   <li><b>decide</b> — the filter settings, then the filter ({@link FlowDecision}): on the flow's event loop when
 *       the filter decides inline and attribution is done (or not needed), else in the flow's task, right after
 *       attribution;</li>
 *   <li><b>route</b> — an allowed flow is offered to the proxy chain ({@link ProxyWalk}), in the same task.
 *       Attribute → decide → route is one task, no hop between them ({@link #afterAttribution}); only when the name
 *       is settled after attribution ended does the decision start a task of its own (or run on the loop);</li>
 *   <li><b>act</b> — back on the event loop, the adapter connects ({@link Transport#connect}: a proxy or direct) or
 *       drops ({@link Transport#drop}); a pause holds here until resumed or timed out. The flow's bytes move once it
 *       is <em>announced</em> (its opened and verdict events are out, carrying the process) or once
 *       {@link #ATTRIBUTION_HOLD} is reached ({@link #whenAnnounced}).</li>
 * </ol>
 * A filter that decides inline and does not need the process is asked before attribution is done: an allowed direct
 * flow then connects at once, its events follow when attribution is done, and its bytes wait for them at most
 * {@link #ATTRIBUTION_HOLD} (a one-request client cannot finish and exit before it is named). Anything else it
 * decides without the process — a drop, a pause, rules to fetch, a proxy walk — continues in the flow's task once
 * attribution is done: blocked flows are the ones users read, and a reset client would exit before it is named.
 *
 * <p>Events of one flow, in order: opened, verdict, the proxies' verdicts and the route, upstream, any later
 * verdict (resume, pause timeout, data), closed. Every event after the verdict waits for the announcement.
 *
 * <p>Threads: the pipeline's state lives on the flow's event loop; the flow's task reads only what was set before
 * its decision was handed to it and hands its outcome back to the loop; the announcement is guarded by the
 * pipeline's lock.
 */
public final class FlowPipeline {
    private static final Logger log = LoggerFactory.getLogger(FlowPipeline.class);

    /** The longest an allowed flow decided without its process holds its bytes for attribution. */
    static final Duration ATTRIBUTION_HOLD = Duration.ofMillis(100);

    /**
     * What the adapter does at the act step; called on the flow's event loop. The kernel-verdict adapter
     * ({@link QueuedTcpFlow}) accepts with a conntrack mark on {@code connect}, resets on {@code drop}; flows that
     * need a proxy or watched data never reach it (their SYN went to the terminated path).
     */
    public interface Transport {
        /** Allowed: open the upstream through {@code proxy} (null: direct), watching what {@code watch} asks (or null). */
        void connect(FlowProxy proxy, FilterVerdict.FilterData watch);

        /** Dropped: by the filter, by a proxy's reject, or because routing failed. */
        void drop(DropMode mode);
    }

    /** Where the flow is in its decision; {@link #ACTED} once the adapter was told. */
    enum Step { NAMING, DECIDING, PAUSED, ROUTING, ACTED, CLOSED }

    private final FlowEngine engine;
    private final long id;
    private final TransportProtocol protocol;
    private final Direction direction;
    private final InetSocketAddress local, remote; // the local process's end and the peer's
    private final EventLoop loop;
    private final Transport transport;
    private final CompletableFuture<ProcessInfo> process;
    private volatile Step step = Step.NAMING; // written on the loop; the decision task reads it before a walk
    private FlowName name;
    private Instant created;
    private Flow flow; // as the filter was shown it, once its verdict is on the loop
    private ScheduledFuture<?> namingTimer, pauseTimer;
    private long bytesIn, bytesOut;
    private boolean closeReported;
    private boolean announced; // guarded by this, as is waiting
    private List<Runnable> waiting = new ArrayList<>();

    /**
     * An outbound flow: {@code client} opened it to {@code original}. Starts attribution. On {@code loop}, which every
     * later call but {@link #resume} is made on.
     */
    FlowPipeline(FlowEngine engine, long id, TransportProtocol protocol, InetSocketAddress client,
                 InetSocketAddress original, EventLoop loop, Transport transport) {
        this(engine, id, protocol, client, original, loop, transport, attribution(engine, protocol, client, original));
    }

    /** An outbound flow with attribution already started ({@link #attribution}): the fast path starts it at the SYN. */
    FlowPipeline(FlowEngine engine, long id, TransportProtocol protocol, InetSocketAddress client,
                 InetSocketAddress original, EventLoop loop, Transport transport, CompletableFuture<ProcessInfo> process) {
        this(engine, id, Direction.OUTBOUND, protocol, client, original, loop, transport, process);
    }

    private FlowPipeline(FlowEngine engine, long id, Direction direction, TransportProtocol protocol,
                         InetSocketAddress local, InetSocketAddress remote, EventLoop loop, Transport transport,
                         CompletableFuture<ProcessInfo> process) {
        this.engine = engine;
        this.id = id;
        this.direction = direction;
        this.protocol = protocol;
        this.local = local;
        this.remote = remote;
        this.loop = loop;
        this.transport = transport;
        this.process = process;
    }

    /**
     * The process behind {@code client}: the first step of the flow's task on the engine's decision pool (the rest
     * of the decision continues in it, {@link #afterAttribution}); start it while that socket exists.
     */
    static CompletableFuture<ProcessInfo> attribution(FlowEngine engine, TransportProtocol protocol,
                                                      InetSocketAddress client, InetSocketAddress original) {
        return attribution(engine, Direction.OUTBOUND, protocol, client, original);
    }

    /** The process at {@code local}: the client of an outbound flow, the listening server of an inbound one. */
    private static CompletableFuture<ProcessInfo> attribution(FlowEngine engine, Direction direction, TransportProtocol protocol,
                                                              InetSocketAddress local, InetSocketAddress remote) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return direction == Direction.INBOUND ? engine.attributor().attributeServer(protocol, local, remote)
                        : engine.attributor().attribute(protocol, local, remote);
            } catch (Exception e) {
                return ProcessInfo.UNKNOWN;
            }
        }, engine.decisions());
    }

    /**
     * An inbound flow: {@code peer} opens a connection to the local service at {@code service}, on one of the
     * engine's event loops (the transport's calls come there). Decide it with {@link #decide}; nothing is named
     * from bytes (the first packet carries none).
     */
    public static FlowPipeline inbound(FlowEngine engine, TransportProtocol protocol, InetSocketAddress service,
                                       InetSocketAddress peer, EventLoop loop, Transport transport) {
        return new FlowPipeline(engine, engine.nextFlowId(), Direction.INBOUND, protocol, service, peer, loop, transport,
                attribution(engine, Direction.INBOUND, protocol, service, peer));
    }

    public long id() { return id; }

    Step step() { return step; }

    /** The flow as the filter was shown it; null before its verdict. */
    Flow flow() { return flow; }

    // 2. name

    /** The decision comes at the latest after {@code timeout}, named or not. */
    void nameWithin(Duration timeout) {
        namingTimer = loop.schedule(this::decide, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** What the client's bytes so far name; the decision comes once that is settled or {@code boundReached}. */
    void peeked(FlowName n, boolean boundReached) {
        if (step != Step.NAMING) return;
        name = n;
        if (n.settled() || boundReached) decide();
    }

    // 3. decide

    /** Naming is over: decide with the name found (the DNS map's when the bytes named nothing). Once. */
    public void decide() {
        if (step != Step.NAMING) return;
        step = Step.DECIDING;
        if (namingTimer != null) namingTimer.cancel(false);
        if (name == null) name = engine.namer().nameFromDns(remote.getAddress());
        created = Instant.now();
        FilterDataProvider p = engine.provider();
        if (p.decidesInline() && process.isDone()) decideInline(attributed(process.getNow(null)));
        else if (p.decidesInline() && !p.needsProcess()) decideInline(null);
        else afterAttribution(pi -> decideOffLoop(pi, null, null, 0, false)); // the attributing task goes on
    }

    /** The filter asked here on the loop; {@code pi} is null while attribution still runs. */
    private void decideInline(ProcessInfo pi) {
        Flow f = newFlow(pi == null ? ProcessInfo.UNKNOWN : pi);
        if (pi != null) engine.events().opened(f);
        long t0 = System.nanoTime();
        FilterVerdict v = FlowDecision.inline(engine, f);
        long latency = System.nanoTime() - t0;
        if (v instanceof FilterVerdict.NeedRules || (allows(v) ? offeredToProxies() : pi == null)) {
            // rules to fetch, a proxy walk, or a drop or pause that waits for the process: on the decision pool
            afterAttribution(attributed -> decideOffLoop(attributed, f, v, latency, pi != null));
            return;
        }
        flow = f;
        if (pi != null) announce(null, v, latency);
        else process.whenComplete((late, e) -> announce(newFlow(attributed(late)), v, latency));
        act(v, null);
    }

    /**
     * The decision's part off the loop, in the flow's task once attribution is done: the filter (when it
     * does not decide inline, or asked for rules), the announcement, the proxy walk; the act goes back to the loop.
     * {@code shown} and {@code inline} are what the filter was already asked inline, and answered, or null;
     * {@code openedOut}: the opened event is out already (the filter was asked with the process).
     */
    private void decideOffLoop(ProcessInfo pi, Flow shown, FilterVerdict inline, long inlineLatency, boolean openedOut) {
        Flow attributed = newFlow(pi);
        Flow f = shown != null ? shown : attributed;
        try {
            if (!openedOut) engine.events().opened(attributed);
            FilterVerdict v = inline;
            long latency = inlineLatency;
            if (v == null || v instanceof FilterVerdict.NeedRules) { // asking, fetching rules may block: here
                long t0 = System.nanoTime();
                v = inline == null ? FlowDecision.ask(engine, f) : FlowDecision.rulesIfNeeded(engine, f, inline);
                latency = System.nanoTime() - t0;
            }
            announce(null, v, latency);
            boolean walk = allows(v) && offeredToProxies() && step != Step.CLOSED; // no claim for a gone flow
            ProxyWalk.Outcome routed = walk ? walk(attributed) : null;
            Verdict decided = v;
            loop.execute(() -> landed(f, decided, routed));
        } catch (RuntimeException e) {
            log.warn("flow {}: decision failed: {}", id, e.toString());
            synchronized (this) {
                if (!announced) announce(null, FinalVerdict.DROP, 0);
            }
            loop.execute(() -> landed(f, FinalVerdict.DROP, null));
        }
    }

    // 4. route

    private ProxyWalk.Outcome walk(Flow attributed) {
        try {
            return engine.proxies().route(attributed, engine.events());
        } catch (RuntimeException e) {
            log.warn("flow {}: proxy walk failed: {}", id, e.toString());
            return new ProxyWalk.Outcome(null, DropMode.RESET);
        }
    }

    // 5. act

    /** A decision made off the loop lands: act on it, or report the close that came meanwhile. */
    private void landed(Flow f, Verdict v, ProxyWalk.Outcome routed) {
        flow = f;
        if (step == Step.CLOSED) reportClosed();
        else act(v, routed);
    }

    /** The act step. {@code routed}: the proxy walk's outcome, null when it has not run. */
    private void act(Verdict v, ProxyWalk.Outcome routed) {
        if (step == Step.CLOSED) return;
        switch (v) {
            case FinalVerdict.Allow a -> allow(null, routed);
            case FilterVerdict.FilterData fd -> allow(fd, routed);
            case FinalVerdict.Drop d -> drop(d.mode());
            case FilterVerdict.Pause p -> pause(p);
            case FilterVerdict.NeedRules nr -> act(nr.fallback(), routed);
            default -> drop(DropMode.RESET);
        }
    }

    private void allow(FilterVerdict.FilterData watch, ProxyWalk.Outcome routed) {
        if (routed == null && offeredToProxies()) { // after a pause: the walk waits for attribution too
            step = Step.ROUTING;
            Flow f = flow;
            Verdict v = watch == null ? FinalVerdict.ALLOW : watch;
            afterAttribution(pi -> {
                ProxyWalk.Outcome o = walk(newFlow(pi));
                loop.execute(() -> landed(f, v, o));
            });
            return;
        }
        if (routed != null && routed.reject() != null) {
            drop(routed.reject());
            return;
        }
        step = Step.ACTED;
        transport.connect(routed == null ? null : routed.proxy(), watch);
    }

    private void drop(DropMode mode) {
        step = Step.ACTED;
        transport.drop(mode);
    }

    private void pause(FilterVerdict.Pause p) {
        step = Step.PAUSED;
        engine.paused(this);
        pauseTimer = loop.schedule(() -> {
            if (!engine.unpause(this)) return;
            later(() -> engine.events().verdict(id, p.onTimeout(), 0));
            act(p.onTimeout(), null);
        }, p.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** From {@link dev.netext.api.filter.FilterControl#resume}, any thread; the flow left the paused set. */
    void resume(FilterVerdict v) {
        later(() -> engine.events().verdict(id, v, 0));
        loop.execute(() -> {
            if (pauseTimer != null) pauseTimer.cancel(false);
            if (step == Step.PAUSED) act(v, null);
        });
    }

    /**
     * Runs {@code bytesMove} on the loop once the flow is announced, or once {@link #ATTRIBUTION_HOLD} has passed:
     * an allowed flow decided before attribution holds the client's bytes that long; its upstream connect ran
     * meanwhile.
     */
    void whenAnnounced(Runnable bytesMove) {
        boolean now;
        synchronized (this) {
            now = announced;
        }
        if (now) {
            bytesMove.run();
            return;
        }
        boolean[] ran = {false}; // both runs below are on the loop
        Runnable once = () -> {
            if (ran[0]) return;
            ran[0] = true;
            bytesMove.run();
        };
        ScheduledFuture<?> bound = loop.schedule(once, ATTRIBUTION_HOLD.toNanos(), TimeUnit.NANOSECONDS);
        later(() -> {
            bound.cancel(false);
            loop.execute(once);
        });
    }

    // events after the verdict, from the adapter

    /** The flow's upstream connection is up (its own tuple, for a capture of the flow). */
    void upstream(SocketAddress local, SocketAddress remote) {
        later(() -> engine.events().upstream(id, local, remote));
    }

    /** A data verdict ended the flow. */
    void dataDropped(FinalVerdict.Drop verdict) {
        later(() -> engine.events().verdict(id, verdict, 0));
    }

    /** The flow's proxy could not be reached or refused it. */
    void proxyFailed(FlowProxy proxy, Throwable cause) {
        String by = proxy.member().provider();
        log.debug("flow {} through proxy {}: {}", id, by, String.valueOf(cause));
        String reason = cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage();
        later(() -> engine.events().message("proxy.failed", Map.of("proxy", by, "reason", reason), id));
    }

    /** The adapter closed the flow: timers stop, a pause ends, the filter hears of it when it was asked. */
    public void closed(long in, long out) {
        if (step == Step.CLOSED) return;
        Step was = step;
        step = Step.CLOSED;
        if (namingTimer != null) namingTimer.cancel(false);
        if (pauseTimer != null) pauseTimer.cancel(false);
        if (was == Step.PAUSED) engine.unpause(this);
        bytesIn = in;
        bytesOut = out;
        if (flow != null) reportClosed(); // else a decision still running reports it when it lands
    }

    private void reportClosed() {
        if (closeReported) return;
        closeReported = true;
        long in = bytesIn, out = bytesOut;
        later(() -> engine.events().closed(id, in, out));
        try {
            engine.provider().handleFlowClosed(flow, in, out);
        } catch (RuntimeException e) {
            log.debug("handleFlowClosed threw: {}", e.toString());
        }
    }

    // the announcement

    /** The flow's opened event (when given) and verdict; then every event and move that waited for them. */
    private void announce(Flow opened, Verdict v, long latency) {
        synchronized (this) {
            if (opened != null) engine.events().opened(opened);
            engine.events().verdict(id, v, latency);
            announced = true;
            for (Runnable r : waiting) r.run();
            waiting = null;
        }
    }

    /** Runs {@code r} now if the flow is announced, else right after the announcement. */
    private synchronized void later(Runnable r) {
        if (announced) r.run();
        else waiting.add(r);
    }

    /**
     * Runs {@code task} with the flow's process on the decision pool: in the task that attributes the flow when it is
     * still running (no hop), else as a task of its own.
     */
    private void afterAttribution(Consumer<ProcessInfo> task) {
        process.whenComplete((pi, e) -> engine.decisions().continueWith(() -> task.accept(attributed(pi))));
    }

    /** Whether an allowed flow is offered to the proxy chain: an outbound one, when there is a chain. */
    private boolean offeredToProxies() { return direction == Direction.OUTBOUND && !engine.proxies().isEmpty(); }

    private static ProcessInfo attributed(ProcessInfo pi) { return pi == null ? ProcessInfo.UNKNOWN : pi; }

    private static boolean allows(Verdict v) {
        return v instanceof FinalVerdict.Allow || v instanceof FilterVerdict.FilterData;
    }

    /** The flow with {@code p}: any thread (reads only what {@link #decide} set before anything was submitted). */
    private Flow newFlow(ProcessInfo p) {
        Endpoint l = Endpoint.of(local), r = Endpoint.of(remote);
        return protocol == TransportProtocol.UDP
                ? new UdpFlow(id, direction, l, r, p, name.hostname(), Optional.empty(), created)
                : new TcpFlow(id, direction, l, r, p, name.hostname(), Optional.empty(), created);
    }
}
