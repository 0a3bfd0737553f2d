package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.flow.UdpFlow;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.nfqueue.VerdictSteering;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.netext.linux.LinuxException;
import dev.netext.linux.diag.ConntrackWatch;
import dev.netext.linux.diag.ProcessAttributor;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A flow on the fast path, whatever its transport: the life both kernel-verdict adapters of the {@link FlowPipeline}
 * share ({@link QueuedTcpFlow}, {@link QueuedUdpFlow} carry only what their protocol adds). Its first packet starts
 * attribution (the application's socket exists while that packet is held); the filter chooses the path
 * ({@link FilterDataProvider#pathFor}, after attribution when it needs the process): the terminated path accepts the
 * held packets with the intercept mark (TPROXY takes the flow, a flow of its own there), the fast path starts a
 * pipeline ({@link #onFastPath}). Packets are held in the kernel (no verdict yet) until the pipeline acts:
 * {@link #connect} releases them with the connection marked accepted once the flow is announced, {@link #drop} with it
 * marked rejected or dropped. All methods but the constructor run on the flow's event loop, except that a TCP flow's
 * path may be chosen on the queue's thread ({@link QueuedTcpFlow#synQueued}), before any later packet reaches the loop.
 */
abstract class QueuedFlow implements FlowPipeline.Transport {
    private static final Logger log = LoggerFactory.getLogger(QueuedFlow.class);

    protected final VerdictQueue queue;
    protected final FlowEngine engine;
    final InetSocketAddress client, remote;
    /** Another host's flow this one forwards (gateway mode): no process, no socket here; it ends with its conntrack entry. */
    final boolean forwarded;
    final EventLoop loop;
    private final TransportProtocol protocol;
    protected final CompletableFuture<ProcessInfo> process;
    protected FlowPipeline pipeline;
    // held packets, in arrival (= queue id) order, with their marks
    protected int[] heldIds = new int[8], heldMarks = new int[8];
    protected int held;
    protected boolean terminated;
    protected volatile int verdictField; // 0 while undecided, else VerdictSteering.ACCEPTED | REJECTED | DROPPED
    protected boolean announcedRelease; // allowed, the held packets wait for the announcement
    protected volatile boolean gone;
    /** An allowed UDP or forwarded flow's conntrack entry as the queue's sweeps saw it (the sweeping thread's alone). */
    ConntrackWatch.Connection carried;
    final long[] stages; // SetupStages stamps (TCP, when on), else null

    /**
     * Starts attribution at once, on the queue's thread: the flow's first packet is held, so its socket exists. With
     * {@code onLoop}, the caller starts it on the flow's loop instead ({@link #attributeOnLoop}).
     */
    QueuedFlow(VerdictQueue queue, TransportProtocol protocol, InetSocketAddress client, InetSocketAddress remote,
               boolean forwarded, EventLoop loop, boolean onLoop) {
        this.queue = queue;
        this.engine = queue.engine();
        this.protocol = protocol;
        this.client = client;
        this.remote = remote;
        this.forwarded = forwarded;
        this.loop = loop;
        // another host's socket is not here to find: unknown at once, as the terminated gateway path finds it
        this.process = forwarded ? CompletableFuture.completedFuture(ProcessInfo.UNKNOWN)
                : onLoop ? new CompletableFuture<>() : FlowPipeline.attribution(engine, protocol, client, remote);
        this.stages = protocol == TransportProtocol.TCP ? SetupStages.start() : null;
        if (stages != null) process.whenComplete((pi, e) -> SetupStages.stamp(stages, SetupStages.Stage.ATTRIBUTED));
    }

    TransportProtocol protocol() { return protocol; }

    /**
     * Attribution as the loop's next task — after the batch that held the first packet is answered, so the packet is
     * on its way meanwhile: the cheap answer ({@link ProcessAttributor#attributeQuickly}: a known process, a cache hit;
     * bounded, so on the loop) is done before the flow's next packet is handled, which then is decided with no hop to
     * the decision pool and back; anything more (a new process, a scan) on the pool as before.
     */
    protected void attributeOnLoop() {
        loop.execute(() -> {
            ProcessInfo quick = null;
            try {
                quick = engine.attributor().attributeQuickly(protocol, client, remote);
            } catch (LinuxException | RuntimeException e) {
                log.debug("quick attribution: {}", e.toString());
            }
            if (quick != null) process.complete(quick);
            else FlowPipeline.attribution(engine, protocol, client, remote).whenComplete((pi, e) ->
                    process.complete(pi == null ? ProcessInfo.UNKNOWN : pi));
        });
    }

    // the path

    /**
     * Chooses the path for the held first packet: at once when the filter does not need the process, or can tell the
     * path whatever the process is ({@link FilterDataProvider#pathWithoutProcess}); else once attribution is done.
     */
    protected void choosePath() {
        FilterDataProvider p = engine.provider();
        if (!engine.proxies().isEmpty()) choose(FlowPath.TERMINATED); // proxy routing needs the terminated path
        else if (!p.needsProcess()) choose(pathFor(ProcessInfo.UNKNOWN));
        else pathWithoutProcess().ifPresentOrElse(this::choose, () -> process.whenComplete((pi, e) ->
                loop.execute(() -> choose(pathFor(pi == null ? ProcessInfo.UNKNOWN : pi)))));
    }

    private FlowPath pathFor(ProcessInfo pi) {
        try {
            FlowPath path = engine.provider().pathFor(opening(pi));
            return path == null ? FlowPath.TERMINATED : path;
        } catch (RuntimeException e) {
            log.debug("pathFor threw: {}", e.toString());
            return FlowPath.TERMINATED;
        }
    }

    private Optional<FlowPath> pathWithoutProcess() {
        try {
            Optional<FlowPath> path = engine.provider().pathWithoutProcess(opening(ProcessInfo.UNKNOWN));
            return path == null ? Optional.empty() : path;
        } catch (RuntimeException e) {
            log.debug("pathWithoutProcess threw: {}", e.toString());
            return Optional.empty();
        }
    }

    /** The flow as its first packet shows it: no id yet (the terminated path gives it one of its own), no name from bytes. */
    private Flow opening(ProcessInfo pi) {
        Endpoint l = Endpoint.of(client), r = Endpoint.of(remote);
        Optional<HostnameInfo> name = engine.namer().nameFromDns(remote.getAddress()).hostname();
        return protocol == TransportProtocol.UDP
                ? new UdpFlow(Long.MAX_VALUE, Direction.OUTBOUND, l, r, pi, name, Optional.empty(), Instant.now())
                : new TcpFlow(Long.MAX_VALUE, Direction.OUTBOUND, l, r, pi, name, Optional.empty(), Instant.now());
    }

    private void choose(FlowPath path) {
        if (gone) return;
        log.debug("{} {} -> {}: the {} path", protocol, client, remote, path);
        if (path == FlowPath.TERMINATED) {
            terminated = true;
            releaseHeld(-1);
            forgetLater();
            return;
        }
        pipeline = new FlowPipeline(engine, engine.nextFlowId(), protocol, client, remote, loop, this, process);
        onFastPath();
    }

    /** The fast path was chosen and {@link #pipeline} made: start naming. */
    protected abstract void onFastPath();

    // the verdict

    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        if (watch != null) log.warn("flow {}: data verdicts need the terminated path ({} said the fast path); allowed",
                pipeline.id(), engine.config().providerName());
        verdictField = VerdictSteering.ACCEPTED;
        announcedRelease = true;
        SetupStages.stamp(stages, SetupStages.Stage.DECIDED);
        pipeline.upstream(client, remote); // on the wire the flow is the application's own
        // as on the terminated path, the packets move once the flow's events carry its process (at most 100 ms)
        pipeline.whenAnnounced(() -> {
            announcedRelease = false;
            releaseHeld(VerdictSteering.ACCEPTED);
            SetupStages.stamp(stages, SetupStages.Stage.DATA_RELEASED);
            SetupStages.done(stages);
        });
    }

    @Override
    public void drop(DropMode mode) {
        verdictField = mode == DropMode.SILENT ? VerdictSteering.DROPPED : VerdictSteering.REJECTED;
        releaseHeld(verdictField);
        dropped();
    }

    /** After {@link #drop} released the held packets. */
    protected abstract void dropped();

    /** Whether a packet now gets the flow's verdict at once (decided, and not waiting for the announcement). */
    protected boolean judged() { return verdictField != 0 && !announcedRelease; }

    // holding and releasing

    /** Holds one more packet; returns its index among the held ones. */
    protected int hold(int packetId, int mark) {
        if (held == heldIds.length) {
            heldIds = Arrays.copyOf(heldIds, held * 2);
            heldMarks = Arrays.copyOf(heldMarks, held * 2);
        }
        heldIds[held] = packetId;
        heldMarks[held] = mark;
        return held++;
    }

    /** Every held packet's verdict, in order: {@code field} as {@link VerdictQueue#release} takes it. */
    protected void releaseHeld(int field) {
        for (int i = 0; i < held; i++) queue.release(heldIds[i], heldMarks[i], field);
        held = 0;
        queue.flush();
    }

    /** Packets queued before the verdict reached the connection's mark still find the flow for a while. */
    protected void forgetLater() {
        loop.schedule(() -> queue.forget(this), VerdictQueue.LINGER.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The flow ended (byte counts from its TCP socket or, UDP and forwarded, its conntrack entry; -1 when unknown:
     * then what the queue saw): its socket (forwarded: its conntrack entry) is gone, it
     * ended while being named, was idle while undecided, or was dropped. Held packets get the verdict (or pass), the
     * pipeline its closed event, once.
     */
    final void close(long received, long sent) {
        if (gone) return;
        gone = true;
        stopTimers();
        if (held > 0) releaseHeld(verdictField != 0 ? verdictField : 0);
        if (pipeline != null) pipeline.closed(Math.max(0, received), sent >= 0 ? sent : bytesSeen());
        forgetLater();
    }

    /** On {@link #close}: the flow's own timers end. */
    protected abstract void stopTimers();

    /** The client's bytes this flow saw in the queue: the sent count when its socket gave none. */
    protected abstract long bytesSeen();

    /** Ended (its entry only lingers). */
    boolean closed() { return gone; }

    /** Allowed and not yet gone: the queue's sweep looks for its socket. */
    boolean accepted() { return verdictField == VerdictSteering.ACCEPTED && !gone; }
}
