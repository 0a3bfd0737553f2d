package dev.netext.flow.engine;

import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.naming.FlowName;
import dev.netext.linux.nfqueue.VerdictSteering;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One locally opened TCP connection on the fast path: the kernel-verdict adapter of the {@link FlowPipeline}. Its
 * packets arrive from the {@link VerdictQueue} and are held in the kernel (not given a verdict) until it is judged:
 * <ol>
 *   <li>the SYN, on the queue's thread: attribution starts, the filter chooses the path
 *       ({@link FilterDataProvider#pathWithoutProcess}, else {@link FilterDataProvider#pathFor} once attributed) — the
 *       terminated path: the SYN is accepted with the intercept mark and TPROXY takes the connection (a flow of its
 *       own there); the fast path: the SYN leaves with the connection marked pending, so its next packets are
 *       queued too;</li>
 *   <li>the handshake's ACK passes at once (it carries nothing to judge: the server accepts the connection while the
 *       client's first bytes are judged); the server's packets are queued too while the flow is pending, and its
 *       first bytes are held and decide the flow at once ({@link #reply}: a server that speaks first is not kept
 *       waiting for the peek timeout, and its banner reaches the application only if the flow is allowed);
 *       the first segments are held and their bytes put in order (a ClientHello over several segments, out of order
 *       or retransmitted) and shown to the namer until the name is settled or the bound is reached: {@link FlowEngineConfig#peekMaxBytes}, {@link #MAX_HELD} packets, the peek timeout from the first
 *       packet after the SYN, the application's FIN;</li>
 *   <li>the pipeline decides; {@link #connect} releases the held packets with the connection marked accepted (every
 *       later packet stays in the kernel), {@link #drop} with it marked rejected (the kernel resets the application;
 *       later packets are reset too) or silently dropped.</li>
 * </ol>
 * All methods but the constructor and {@link #synQueued} run on the flow's event loop (the SYN's path may be chosen
 * on the queue's thread, before any later packet of the flow is handed to the loop). The closed event of an allowed
 * flow comes when the kernel destroys the application's socket, with that socket's byte counts ({@link VerdictQueue}).
 */
final class QueuedTcpFlow extends QueuedFlow {
    /** The most packets held while naming: a ClientHello spans a few; more means the bytes name nothing. */
    static final int MAX_HELD = 64;

    private ScheduledFuture<?> handshakeTimer;
    private int[] heldSeqEnds = new int[8]; // where each held packet's bytes end in the stream
    private int serverNext; // the first byte the server has not been let to see
    private boolean sawAfterSyn;
    private boolean serverSpoke; // the server's first bytes (or FIN) arrived while the flow was named: held, deciding
    private int serverSeq; // the sequence number of the first of them: where its client's stream stands
    private StreamPrefix prefix; // the client's first bytes, from the SYN on

    /**
     * {@code attributeOnLoop}: attribution starts on the loop once the SYN's batch is answered ({@link #attributeOnLoop});
     * a forwarded flow has no local socket to attribute.
     */
    QueuedTcpFlow(VerdictQueue queue, InetSocketAddress client, InetSocketAddress remote, boolean forwarded,
                  EventLoop loop, boolean attributeOnLoop) {
        super(queue, TransportProtocol.TCP, client, remote, forwarded, loop, attributeOnLoop && !forwarded);
        if (attributeOnLoop && !forwarded) attributeOnLoop();
    }

    // 1. the SYN

    /**
     * The first SYN, on the queue's thread: the path is chosen right there when that is the flow's loop (the queue
     * loop, {@link VerdictQueue}), or it takes a rule walk at most (a filter that
     * {@link FilterDataProvider#decidesInline}, or a proxy chain: always terminated), so the SYN leaves without a hop
     * to the flow's loop; else on the loop.
     */
    void synQueued(int packetId, int mark, int seq) {
        SetupStages.stamp(stages, SetupStages.Stage.SYN_RECEIVED);
        if (loop.inEventLoop() || !engine.proxies().isEmpty() || engine.provider().decidesInline()) syn(packetId, mark, seq);
        else loop.execute(() -> syn(packetId, mark, seq));
    }

    /**
     * Holds the SYN and chooses the path: at once when the filter does not need the process, or can tell the path
     * whatever the process is ({@link FilterDataProvider#pathWithoutProcess}); else once attribution is done. Runs
     * before any later packet of the flow is handed to its loop.
     */
    private void syn(int packetId, int mark, int seq) {
        hold(packetId, mark, seq + 1);
        prefix = new StreamPrefix(engine.config().peekMaxBytes(), seq + 1);
        serverNext = seq + 1;
        choosePath();
    }

    @Override
    protected void onFastPath() {
        releaseHeld(VerdictSteering.PENDING);
        SetupStages.stamp(stages, SetupStages.Stage.SYN_RELEASED);
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
        if (payload.length > 0) SetupStages.stamp(stages, SetupStages.Stage.DATA_ON_LOOP);
        // a retransmitted SYN, or packets, queued before the verdict (the queue thread's flush may have run), or after
        // the flow ended undecided (nobody would release them held): sent at once
        if (terminated || judged() || gone) {
            queue.release(packetId, mark, terminated ? -1 : verdictField);
            queue.flush();
            return;
        }
        if (pipeline != null && !syn && payload.length == 0 && (flags & (VerdictQueue.TCP_FIN | VerdictQueue.TCP_RST)) == 0) {
            queue.release(packetId, mark, 0); // a bare ACK (the handshake's): nothing to judge; the server accepts meanwhile
            queue.flush();
        } else {
            hold(packetId, mark, seq + payload.length);
        }
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
     * A packet from the server while the connection is pending ({@link VerdictSteering}'s {@code -IN} chain queues
     * all but the SYN-ACK). Acknowledgements pass at once. The server's first bytes (or its FIN) are held like the
     * client's, and end the naming: a server that speaks first (SMTP, FTP, a banner) is answered by its client only
     * once it has read them, so no client bytes will name the flow; the decision comes now, with the name the flow
     * has (the DNS map's, or the client's bytes so far), and the banner reaches the application only if allowed.
     */
    void reply(int packetId, int mark, int seq, int flags, int length) {
        if (terminated || judged() || pipeline == null || gone) { // queued before the verdict reached the mark
            queue.release(packetId, mark, !terminated ? verdictField : 0);
            queue.flush();
            return;
        }
        if ((flags & VerdictQueue.TCP_RST) != 0) { // the server refused or gave up: nothing is left to judge
            queue.release(packetId, mark, 0);
            releaseHeld(0);
            close();
            return;
        }
        if (length == 0 && (flags & VerdictQueue.TCP_FIN) == 0) {
            queue.release(packetId, mark, 0); // an acknowledgement or a window update
            queue.flush();
            return;
        }
        hold(packetId, mark, serverNext);
        if (!serverSpoke) serverSeq = seq;
        serverSpoke = true;
        if (!sawAfterSyn) { // the handshake's ACK is still on its way to the queue
            sawAfterSyn = true;
            if (handshakeTimer != null) handshakeTimer.cancel(false);
        }
        pipeline.decide(); // once: a later packet of either side finds the flow deciding
    }

    /**
     * While the name needs more bytes, every held packet but the newest passes: the application's kernel sends no
     * more while two of its segments are unsent (TCP small queues count a queued packet as one still in the device),
     * so holding them all would stall a ClientHello of three segments until the peek timeout. The newest one is held
     * back, and the verdict falls on it; what passed reached the server, which a drop resets ({@link TcpReset}).
     */
    private void passAllButNewest() {
        if (held < 2 || serverSpoke) return; // a server's held bytes pass only with the verdict
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

    // 3. the verdict (connect and drop: QueuedFlow)

    @Override
    protected void dropped() {
        if (sawAfterSyn) queue.reset(client, remote, serverNext); // it may have an opened connection
        // a client waiting for its server to speak sends nothing the kernel's reject could answer: abort its socket
        // (another host's: a reset from its server, at the first byte it has not received)
        if (serverSpoke && verdictField == VerdictSteering.REJECTED) {
            if (forwarded) queue.reset(remote, client, serverSeq);
            else queue.abortApplication(client, remote);
        }
        close();
    }

    private void hold(int packetId, int mark, int seqEnd) {
        int i = hold(packetId, mark);
        if (i == heldSeqEnds.length) heldSeqEnds = Arrays.copyOf(heldSeqEnds, heldIds.length);
        heldSeqEnds[i] = seqEnd;
    }

    /** The flow ended while being named, or was dropped. */
    void close() { close(-1, -1); }

    @Override
    protected void stopTimers() {
        if (handshakeTimer != null) handshakeTimer.cancel(false);
    }

    /** The client's bytes in order so far (the socket's acknowledged count is the better figure, when it gives one). */
    @Override
    protected long bytesSeen() { return prefix == null ? 0 : prefix.inOrder(); }
}
