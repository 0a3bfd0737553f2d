package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.nfqueue.VerdictSteering;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One locally opened TCP connection on the fast path: the kernel-verdict adapter of the {@link FlowPipeline}. Its
 * packets arrive from the {@link VerdictQueue} and are held in the kernel (not given a verdict) until it is judged:
 * <ol>
 *   <li>the SYN: attribution starts, the filter chooses the path ({@link FilterDataProvider#pathFor}) — the
 *       terminated path: the SYN is accepted with the intercept mark and TPROXY takes the connection (a flow of its
 *       own there); the fast path: the SYN leaves with the connection marked pending, so its next packets are
 *       queued too;</li>
 *   <li>the handshake's ACK and the first segments are held and their bytes put in order (a ClientHello over several
 *       segments, out of order or retransmitted) and shown to the namer until the name is settled or the bound is
 *       reached: {@link FlowEngineConfig#peekMaxBytes}, {@link #MAX_HELD} packets, the peek timeout from the first
 *       packet after the SYN, the application's FIN;</li>
 *   <li>the pipeline decides; {@link #connect} releases the held packets with the connection marked accepted (every
 *       later packet stays in the kernel), {@link #drop} with it marked rejected (the kernel resets the application;
 *       later packets are reset too) or silently dropped.</li>
 * </ol>
 * All methods but the constructor run on the flow's event loop. The closed event of an allowed flow comes when the
 * kernel destroys the application's socket, with that socket's byte counts ({@link VerdictQueue}).
 */
final class QueuedTcpFlow implements FlowPipeline.Transport, VerdictQueue.QueuedFlow {
    private static final Logger log = LoggerFactory.getLogger(QueuedTcpFlow.class);
    /** The most packets held while naming: a ClientHello spans a few; more means the bytes name nothing. */
    static final int MAX_HELD = 64;

    private final VerdictQueue queue;
    private final FlowEngine engine;
    final InetSocketAddress client, remote;
    final EventLoop loop;
    private final CompletableFuture<ProcessInfo> process;
    private FlowPipeline pipeline;
    private ScheduledFuture<?> handshakeTimer;
    // held packets, in arrival (= queue id) order, with their marks and where their bytes end in the stream
    private int[] heldIds = new int[8], heldMarks = new int[8], heldSeqEnds = new int[8];
    private int serverNext; // the first byte the server has not been let to see
    private int held;
    private boolean terminated, sawAfterSyn;
    private volatile int verdictField; // 0 while undecided, else VerdictSteering.ACCEPTED | REJECTED | DROPPED
    private boolean announcedRelease;
    private volatile boolean gone;
    private StreamPrefix prefix; // the client's first bytes, from the SYN on

    QueuedTcpFlow(VerdictQueue queue, InetSocketAddress client, InetSocketAddress remote, EventLoop loop) {
        this.queue = queue;
        this.engine = queue.engine();
        this.client = client;
        this.remote = remote;
        this.loop = loop;
        // at once, on the queue's thread: the application's socket certainly exists while its SYN is held
        this.process = FlowPipeline.attribution(engine, TransportProtocol.TCP, client, remote);
    }

    @Override public InetSocketAddress client() { return client; }

    @Override public InetSocketAddress remote() { return remote; }

    @Override public TransportProtocol protocol() { return TransportProtocol.TCP; }

    @Override public EventLoop loop() { return loop; }

    // 1. the SYN

    /** The first SYN: choose the path, once attribution is done when the filter needs the process to choose. */
    void syn(int packetId, int mark, int seq) {
        hold(packetId, mark, seq + 1);
        prefix = new StreamPrefix(engine.config().peekMaxBytes(), seq + 1);
        serverNext = seq + 1;
        FilterDataProvider p = engine.provider();
        if (!engine.proxies().isEmpty()) choose(FlowPath.TERMINATED); // proxy routing needs the terminated path
        else if (!p.needsProcess()) choose(pathFor(ProcessInfo.UNKNOWN));
        else process.whenComplete((pi, e) -> loop.execute(() -> choose(pathFor(pi == null ? ProcessInfo.UNKNOWN : pi))));
    }

    private FlowPath pathFor(ProcessInfo pi) {
        try {
            TcpFlow opening = new TcpFlow(Long.MAX_VALUE, Direction.OUTBOUND, Endpoint.of(client), Endpoint.of(remote),
                    pi, engine.namer().nameFromDns(remote.getAddress()).hostname(), Optional.empty(), Instant.now());
            FlowPath path = engine.provider().pathFor(opening);
            return path == null ? FlowPath.TERMINATED : path;
        } catch (RuntimeException e) {
            log.debug("pathFor threw: {}", e.toString());
            return FlowPath.TERMINATED;
        }
    }

    private void choose(FlowPath path) {
        log.debug("{} -> {}: the {} path", client, remote, path);
        if (path == FlowPath.TERMINATED) {
            terminated = true;
            releaseHeld(-1);
            loop.schedule(() -> queue.forget(this), VerdictQueue.LINGER.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        pipeline = new FlowPipeline(engine, engine.nextFlowId(), TransportProtocol.TCP, client, remote, loop, this, process);
        releaseHeld(VerdictSteering.PENDING);
        // a handshake that never completes still ends as a flow, as an unreachable upstream does on the other path
        handshakeTimer = loop.schedule(this::handshakeTimedOut, engine.config().connectTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void handshakeTimedOut() {
        if (sawAfterSyn || pipeline == null) return;
        pipeline.decide();
        close();
    }

    // 2. the first packets

    /** A queued packet after the SYN: a duplicate SYN, the handshake's ACK, the first segments, a FIN or RST. */
    void packet(int packetId, int mark, boolean syn, int seq, int flags, byte[] payload) {
        if (terminated) { // a retransmitted SYN queued before the first one's verdict
            queue.release(packetId, mark, -1);
            return;
        }
        if (verdictField != 0 && !holdingForAnnouncement()) {
            queue.release(packetId, mark, verdictField);
            return;
        }
        hold(packetId, mark, seq + payload.length);
        if (pipeline == null || syn) return; // the path is being chosen, or a SYN sent again
        if (!sawAfterSyn) {
            sawAfterSyn = true;
            if (handshakeTimer != null) handshakeTimer.cancel(false);
            pipeline.nameWithin(engine.config().peekTimeout());
        }
        if ((flags & VerdictQueue.TCP_RST) != 0) {
            releaseHeld(0); // the application gave up: let its reset through, unjudged
            close();
            return;
        }
        prefix.add(seq, payload);
        if (pipeline.step() != FlowPipeline.Step.NAMING) return;
        if ((flags & VerdictQueue.TCP_FIN) != 0) {
            pipeline.decide(); // the application's end of input
            return;
        }
        if (prefix.length() == 0) return;
        FlowName name = engine.namer().nameTcp(remote.getAddress(), prefix.buffer(), 0, prefix.length());
        pipeline.peeked(name, prefix.full() || held >= MAX_HELD);
        if (pipeline.step() == FlowPipeline.Step.NAMING && !announcedRelease) passAllButNewest();
    }

    /**
     * While the name needs more bytes, every held packet but the newest passes: the application's kernel sends no
     * more while two of its segments are unsent (TCP small queues count a queued packet as one still in the device),
     * so holding them all would stall a ClientHello of three segments until the peek timeout. The newest one is held
     * back, and the verdict falls on it; what passed reached the server, which a drop resets ({@link TcpReset}).
     */
    private void passAllButNewest() {
        if (held < 2) return;
        int last = held - 1;
        for (int i = 0; i < last; i++) {
            queue.release(heldIds[i], heldMarks[i], 0);
            if (heldSeqEnds[i] - serverNext > 0) serverNext = heldSeqEnds[i];
        }
        heldIds[0] = heldIds[last];
        heldMarks[0] = heldMarks[last];
        heldSeqEnds[0] = heldSeqEnds[last];
        held = 1;
        queue.flush();
    }

    // 3. the verdict

    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        if (watch != null) log.warn("flow {}: data verdicts need the terminated path ({} said the fast path); allowed",
                pipeline.id(), engine.config().providerName());
        verdictField = VerdictSteering.ACCEPTED;
        announcedRelease = true;
        pipeline.upstream(client, remote); // on the wire the flow is the application's own connection
        // as on the terminated path, the bytes move once the flow's events carry its process (at most 100 ms)
        pipeline.whenAnnounced(() -> {
            announcedRelease = false;
            releaseHeld(VerdictSteering.ACCEPTED);
        });
    }

    @Override
    public void drop(DropMode mode) {
        verdictField = mode == DropMode.SILENT ? VerdictSteering.DROPPED : VerdictSteering.REJECTED;
        releaseHeld(verdictField);
        if (sawAfterSyn) queue.resetServer(client, remote, serverNext); // it may have an opened connection
        close();
    }

    private boolean holdingForAnnouncement() { return announcedRelease; }

    // holding and releasing

    private void hold(int packetId, int mark, int seqEnd) {
        if (held == heldIds.length) {
            heldIds = Arrays.copyOf(heldIds, held * 2);
            heldMarks = Arrays.copyOf(heldMarks, held * 2);
            heldSeqEnds = Arrays.copyOf(heldSeqEnds, held * 2);
        }
        heldIds[held] = packetId;
        heldMarks[held] = mark;
        heldSeqEnds[held] = seqEnd;
        held++;
    }

    /** Every held packet's verdict, in order: {@code field} as {@link VerdictQueue#release} takes it. */
    private void releaseHeld(int field) {
        for (int i = 0; i < held; i++) queue.release(heldIds[i], heldMarks[i], field);
        held = 0;
        queue.flush();
    }

    /** The flow ended while being named, or was dropped. */
    void close() { close(-1, -1); }

    /**
     * The flow ended: its application's socket is gone (with the socket's byte counts, -1 when unknown), it ended
     * while being named, or it was dropped.
     */
    @Override
    public void close(long received, long acked) {
        if (gone) return;
        gone = true;
        if (handshakeTimer != null) handshakeTimer.cancel(false);
        if (held > 0) releaseHeld(verdictField != 0 ? verdictField : 0);
        if (pipeline != null) pipeline.closed(Math.max(0, received), acked >= 0 ? acked : prefix == null ? 0 : prefix.inOrder());
        // packets queued before the verdict reached the connection's mark still find it for a while
        loop.schedule(() -> queue.forget(this), VerdictQueue.LINGER.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean closed() { return gone; }

    @Override
    public boolean accepted() { return verdictField == VerdictSteering.ACCEPTED && !gone; }
}
