package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.flow.UdpFlow;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.wire.quic.CryptoReassembler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One locally opened UDP flow (client address and port, remote address and port) on the fast path: the
 * kernel-verdict adapter of the {@link FlowPipeline} for UDP, as {@link QueuedTcpFlow} is for TCP. UDP has no
 * handshake: every datagram the application sends before the first one is judged is queued (conntrack confirms the
 * flow only when a datagram of it leaves, so until then each is {@code NEW} to {@link VerdictSteering}'s rules), and
 * held in the kernel:
 * <ol>
 *   <li>the first datagram: attribution starts, the filter chooses the path ({@link FilterDataProvider#pathFor}) —
 *       the terminated path: the datagrams are accepted with the intercept mark and TPROXY hands them to
 *       {@link UdpInterceptor} (a flow of its own there); the fast path: a pipeline starts (same flow ids and events);</li>
 *   <li>the held datagrams are shown to the namer — a QUIC Initial by its SNI, its CRYPTO frames reassembled over
 *       several Initials ({@link CryptoReassembler}); anything else by the DNS map at once — until the name is
 *       settled or the bound is reached: {@link FlowEngineConfig#peekMaxBytes}, {@link #MAX_HELD} datagrams, the peek
 *       timeout;</li>
 *   <li>{@link #connect} releases them with the flow's connection marked accepted (every later datagram, both ways,
 *       stays in the kernel); {@link #drop} with it marked rejected (the kernel's REJECT answers each with an ICMP
 *       port unreachable, so a connected socket fails at once) or dropped. A dropped flow's datagrams keep coming
 *       here (its connection is never confirmed) and get the verdict at once, until it has been idle for the UDP idle
 *       timeout, as on the terminated path.</li>
 * </ol>
 * An allowed flow ends when its application's socket is gone (the queue's sweep asks sock_diag); the kernel carried
 * its datagrams, so its closed event counts only the bytes that were queued. All methods but the constructor run on
 * the flow's event loop.
 */
final class QueuedUdpFlow implements FlowPipeline.Transport, VerdictQueue.QueuedFlow {
    private static final Logger log = LoggerFactory.getLogger(QueuedUdpFlow.class);
    /** The most datagrams held while undecided; later ones are dropped, as a full socket buffer would. */
    static final int MAX_HELD = 64;

    private final VerdictQueue queue;
    private final FlowEngine engine;
    private final InetSocketAddress client, remote;
    private final EventLoop loop;
    private final CompletableFuture<ProcessInfo> process;
    private final CryptoReassembler quic = new CryptoReassembler();
    private FlowPipeline pipeline;
    private int[] heldIds = new int[4], heldMarks = new int[4];
    private byte[][] heldData = new byte[4][]; // kept until the path is chosen: the namer reads them then
    private int held;
    private long heldBytes, seenBytes;
    private boolean terminated, announcedRelease;
    private volatile int verdictField; // 0 while undecided, else VerdictSteering.ACCEPTED | REJECTED | DROPPED
    private volatile boolean gone;
    private long lastDatagram;
    private ScheduledFuture<?> idleTimer;

    QueuedUdpFlow(VerdictQueue queue, InetSocketAddress client, InetSocketAddress remote, EventLoop loop) {
        this.queue = queue;
        this.engine = queue.engine();
        this.client = client;
        this.remote = remote;
        this.loop = loop;
        // at once, on the queue's thread: the application's socket certainly exists while its datagram is held
        this.process = FlowPipeline.attribution(engine, TransportProtocol.UDP, client, remote);
    }

    @Override public InetSocketAddress client() { return client; }

    @Override public InetSocketAddress remote() { return remote; }

    @Override public TransportProtocol protocol() { return TransportProtocol.UDP; }

    @Override public EventLoop loop() { return loop; }

    // 1. the first datagram

    /** The flow's first datagram: choose the path, once attribution is done when the filter needs the process. */
    void first(int packetId, int mark, byte[] payload) {
        lastDatagram = System.nanoTime();
        hold(packetId, mark, payload);
        FilterDataProvider p = engine.provider();
        if (!engine.proxies().isEmpty()) choose(FlowPath.TERMINATED); // proxy routing needs the terminated path
        else if (!p.needsProcess()) choose(pathFor(ProcessInfo.UNKNOWN));
        else process.whenComplete((pi, e) -> loop.execute(() -> choose(pathFor(pi == null ? ProcessInfo.UNKNOWN : pi))));
    }

    private FlowPath pathFor(ProcessInfo pi) {
        try {
            UdpFlow opening = new UdpFlow(Long.MAX_VALUE, Direction.OUTBOUND, Endpoint.of(client), Endpoint.of(remote),
                    pi, engine.namer().nameFromDns(remote.getAddress()).hostname(), Optional.empty(), Instant.now());
            FlowPath path = engine.provider().pathFor(opening);
            return path == null ? FlowPath.TERMINATED : path;
        } catch (RuntimeException e) {
            log.debug("pathFor threw: {}", e.toString());
            return FlowPath.TERMINATED;
        }
    }

    private void choose(FlowPath path) {
        if (gone) return;
        log.debug("udp {} -> {}: the {} path", client, remote, path);
        if (path == FlowPath.TERMINATED) {
            terminated = true;
            releaseHeld(-1);
            loop.schedule(() -> queue.forget(this), VerdictQueue.LINGER.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        pipeline = new FlowPipeline(engine, engine.nextFlowId(), TransportProtocol.UDP, client, remote, loop, this, process);
        pipeline.nameWithin(engine.config().peekTimeout());
        scheduleIdleCheck(engine.config().interception().udpIdleTimeout().toNanos());
        for (int i = 0; i < held && pipeline.step() == FlowPipeline.Step.NAMING; i++) name(heldData[i], i + 1);
    }

    // 2. the datagrams while undecided, and after

    /** A later queued datagram: held while undecided, else given the flow's verdict at once. */
    void datagram(int packetId, int mark, byte[] payload) {
        lastDatagram = System.nanoTime();
        if (terminated) {
            queue.release(packetId, mark, -1);
            return;
        }
        if (verdictField != 0 && !announcedRelease) {
            queue.release(packetId, mark, verdictField);
            queue.flush();
            return;
        }
        if (held >= MAX_HELD) {
            queue.discard(packetId);
            queue.flush();
            return;
        }
        hold(packetId, mark, payload);
        if (pipeline != null && pipeline.step() == FlowPipeline.Step.NAMING) name(payload, held);
    }

    private void name(byte[] payload, int count) {
        FlowName n = engine.namer().nameUdp(remote.getAddress(), ByteBuffer.wrap(payload), 0, payload.length, quic);
        pipeline.peeked(n, count >= MAX_HELD || heldBytes >= Math.max(1, engine.config().peekMaxBytes()));
    }

    // 3. the verdict

    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        if (watch != null) log.warn("flow {}: data verdicts need the terminated path ({} said the fast path); allowed",
                pipeline.id(), engine.config().providerName());
        verdictField = VerdictSteering.ACCEPTED;
        announcedRelease = true;
        pipeline.upstream(client, remote); // on the wire the flow is the application's own
        pipeline.whenAnnounced(() -> {
            announcedRelease = false;
            releaseHeld(VerdictSteering.ACCEPTED);
        });
    }

    @Override
    public void drop(DropMode mode) {
        verdictField = mode == DropMode.SILENT ? VerdictSteering.DROPPED : VerdictSteering.REJECTED;
        releaseHeld(verdictField);
    }

    // holding and releasing

    private void hold(int packetId, int mark, byte[] payload) {
        if (held == heldIds.length) {
            heldIds = Arrays.copyOf(heldIds, held * 2);
            heldMarks = Arrays.copyOf(heldMarks, held * 2);
            heldData = Arrays.copyOf(heldData, held * 2);
        }
        heldIds[held] = packetId;
        heldMarks[held] = mark;
        heldData[held] = payload;
        held++;
        heldBytes += payload.length;
        seenBytes += payload.length;
    }

    /** Every held datagram's verdict, in order: {@code field} as {@link VerdictQueue#release} takes it. */
    private void releaseHeld(int field) {
        for (int i = 0; i < held; i++) {
            queue.release(heldIds[i], heldMarks[i], field);
            heldData[i] = null;
        }
        held = 0;
        heldBytes = 0;
        queue.flush();
    }

    /**
     * Undecided or dropped flows end once idle for the UDP idle timeout (a dropped flow's datagrams still come
     * here); an allowed one stays until its socket is gone ({@link VerdictQueue}'s sweep).
     */
    private void scheduleIdleCheck(long inNanos) {
        idleTimer = loop.schedule(() -> {
            if (gone || verdictField == VerdictSteering.ACCEPTED) return;
            long idle = engine.config().interception().udpIdleTimeout().toNanos();
            long left = idle - (System.nanoTime() - lastDatagram);
            boolean deciding = verdictField == 0 && pipeline.step() != FlowPipeline.Step.NAMING;
            if (deciding || left > 0) scheduleIdleCheck(Math.max(left, idle / 4));
            else close(-1, -1);
        }, inNanos, TimeUnit.NANOSECONDS);
    }

    /** The flow ended: its application's socket is gone, or it was idle while undecided or dropped. */
    @Override
    public void close(long received, long sent) {
        if (gone) return;
        gone = true;
        if (idleTimer != null) idleTimer.cancel(false);
        if (held > 0) releaseHeld(verdictField != 0 ? verdictField : 0);
        if (pipeline != null) pipeline.closed(Math.max(0, received), sent >= 0 ? sent : seenBytes);
        // datagrams queued before the verdict reached the connection's mark still find it for a while
        loop.schedule(() -> queue.forget(this), VerdictQueue.LINGER.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override public boolean closed() { return gone; }

    @Override public boolean accepted() { return verdictField == VerdictSteering.ACCEPTED && !gone; }
}
