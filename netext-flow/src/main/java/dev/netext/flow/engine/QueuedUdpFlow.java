package dev.netext.flow.engine;

import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.naming.FlowName;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.wire.quic.CryptoReassembler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
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
 * An allowed flow ends when its application's socket is gone (the queue's sweep asks sock_diag), a forwarded one when
 * its conntrack entry is; the kernel carried its datagrams, so its closed event carries the bytes its conntrack
 * entries counted ({@link VerdictQueue}'s sweep; the queued bytes only when accounting was off). All methods but the
 * constructor run on the flow's event loop.
 */
final class QueuedUdpFlow extends QueuedFlow {
    /** The most datagrams held while undecided; later ones are dropped, as a full socket buffer would. */
    static final int MAX_HELD = 64;

    private final CryptoReassembler quic = new CryptoReassembler();
    private byte[][] heldData = new byte[8][]; // kept until the path is chosen: the namer reads them then
    private long heldBytes, seenBytes;
    private long lastDatagram;
    private ScheduledFuture<?> idleTimer;

    QueuedUdpFlow(VerdictQueue queue, InetSocketAddress client, InetSocketAddress remote, boolean forwarded,
                  EventLoop loop) {
        super(queue, TransportProtocol.UDP, client, remote, forwarded, loop, false);
    }

    // 1. the first datagram

    /** The flow's first datagram: choose the path, once attribution is done when the filter needs the process. */
    void first(int packetId, int mark, byte[] payload) {
        lastDatagram = System.nanoTime();
        hold(packetId, mark, payload);
        choosePath();
    }

    @Override
    protected void onFastPath() {
        pipeline.nameWithin(engine.config().peekTimeout());
        scheduleIdleCheck(engine.config().interception().udpIdleTimeout().toNanos());
        for (int i = 0; i < held && pipeline.step() == FlowPipeline.Step.NAMING; i++) name(heldData[i], i + 1);
    }

    // 2. the datagrams while undecided, and after

    /** A later queued datagram: held while undecided, else given the flow's verdict at once. */
    void datagram(int packetId, int mark, byte[] payload) {
        lastDatagram = System.nanoTime();
        if (terminated || judged()) { // sent at once: the queue thread's flush may have run before this
            queue.release(packetId, mark, terminated ? -1 : verdictField);
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

    // 3. the verdict (connect and drop: QueuedFlow)

    /** Dropped: its later datagrams still come here (the flow is never confirmed), until it has been idle. */
    @Override
    protected void dropped() { }

    private void hold(int packetId, int mark, byte[] payload) {
        int i = hold(packetId, mark);
        if (i == heldData.length) heldData = Arrays.copyOf(heldData, heldIds.length);
        heldData[i] = payload;
        heldBytes += payload.length;
        seenBytes += payload.length;
    }

    @Override
    protected void releaseHeld(int field) {
        Arrays.fill(heldData, 0, held, null);
        heldBytes = 0;
        super.releaseHeld(field);
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

    @Override
    protected void stopTimers() {
        if (idleTimer != null) idleTimer.cancel(false);
    }

    @Override
    protected long bytesSeen() { return seenBytes; }
}
