package dev.netext.flow.engine;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.LinuxException;
import dev.netext.linux.diag.ConntrackTable;
import dev.netext.linux.diag.ConntrackWatch;
import dev.netext.linux.diag.SockDiag;
import dev.netext.linux.diag.SocketOwner;
import dev.netext.linux.diag.TcpCloseMonitor;
import dev.netext.linux.nfqueue.NfQueue;
import dev.netext.linux.nfqueue.NfqBatch;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.NfqPacket;
import dev.netext.linux.nfqueue.NfqueueH;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.linux.tproxy.RawIpSocket;
import dev.netext.wire.IpPacket;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.TcpPacket;
import dev.netext.wire.UdpPacket;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fast path's queue: the thread that receives what {@link VerdictSteering} queues — SYNs of locally opened TCP
 * connections and the next packets of those being named (both ways: the server's too), the first datagrams of locally opened UDP flows, and in
 * gateway mode the same of forwarded ones (queued in prerouting: {@link QueuedFlow#forwarded}) — and hands
 * each to its {@link QueuedTcpFlow} or {@link QueuedUdpFlow} on the flow's event loop; the flows give the verdicts
 * ({@link #release}). An allowed TCP flow ends when the kernel destroys its application's socket
 * ({@link TcpCloseMonitor}, with the socket's byte counts: the kernel carried its packets, no close reaches the
 * queue); a slow sweep — a consumer of the namespace's {@link ConntrackWatch}, on its thread, sharing its one read of
 * the table with the inbound queue's — catches a close the monitor missed, and ends allowed UDP flows whose socket
 * is gone, and forwarded flows whose conntrack entry is gone or closed (another host's connection has no socket
 * here) — both with their conntrack entries' byte counters (the kernel carried their packets).
 *
 * <p>Pipeline: {@link NfQueue#receiveNow} (one batch) → parse IP and TCP or UDP in place → copy the payload (the
 * batch's buffer is reused) → the flow → held until judged → verdicts appended and sent in one {@code sendto} (per
 * batch for those given while the batch is handled, {@link #flush}; else per flow).
 *
 * <p>Threads: the queue's socket is registered on one of the engine's event loops ({@link QueueReader}), and every
 * queued flow lives on that loop, so a packet reaches its flow with no hop and no wake-up (a hop to another loop cost
 * 11–68 µs p50 per queued packet at load 11–27, measured with {@link SetupStages}). {@code -Dnetext.flow.queueThread=true} restores the
 * earlier reader, a thread of its own handing each packet to its flow's loop (for side-by-side measurements).
 */
final class VerdictQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VerdictQueue.class);
    static final int TCP_FIN = TcpPacket.Field.FLAG_FIN, TCP_SYN = TcpPacket.Field.FLAG_SYN,
            TCP_RST = TcpPacket.Field.FLAG_RST, TCP_ACK = TcpPacket.Field.FLAG_ACK;
    /** How long a judged or abandoned flow is still found by its packets (those queued before its verdict). */
    static final Duration LINGER = Duration.ofSeconds(5);
    private static final int TCP_TIME_WAIT = 6, TCP_CLOSE = 7;

    /** At most this many UDP flows are known at once; beyond, new ones take the terminated path (bounded there). */
    static final int MAX_UDP_FLOWS = 16_384;

    private record Key(TransportProtocol protocol, InetSocketAddress client, InetSocketAddress remote) {}

    private final FlowEngine engine;
    private final EventLoopGroup group;
    private final NfQueue queue;
    private final int interceptMark;
    private final boolean failOpen;
    private final Map<Key, QueuedFlow> flows = new ConcurrentHashMap<>();
    private final AtomicInteger udpFlows = new AtomicInteger();
    private final SockDiag diag;
    private final Ipv4Packet v4 = new Ipv4Packet();
    private final Ipv6Packet v6 = new Ipv6Packet();
    private final TcpPacket tcp = new TcpPacket();
    private final UdpPacket udp = new UdpPacket();
    private Thread thread;
    private volatile boolean stopping;
    private final int bypassMark = InterceptionConfig.DEFAULT_BYPASS_MARK;
    private volatile RawIpSocket rawV4, rawV6;
    private TcpCloseMonitor closes; // opened in the namespace by the first reset (a loop thread is there)
    private ConntrackWatch.Membership sweeps; // joined by open, in the namespace
    private final IoEventLoop queueLoop; // reads the queue and runs every queued flow; null: a thread of its own
    private NfqBatch batch; // the queue loop's (on the thread reader, the thread's own)
    private IoRegistration registration;
    /** TCP flows start attribution on the queue loop ({@link QueuedFlow#attributeOnLoop}); off: on the decision pool. */
    private final boolean attributeOnLoop;
    private Thread batchThread; // while a batch is handled: the thread handling it (written and compared by it alone)

    private VerdictQueue(FlowEngine engine, EventLoopGroup group, NfQueue queue, SockDiag diag, int interceptMark,
                         boolean failOpen, IoEventLoop queueLoop) {
        this.engine = engine;
        this.queueLoop = queueLoop;
        this.attributeOnLoop = queueLoop != null
                && Boolean.parseBoolean(System.getProperty("netext.flow.attributeOnLoop", "true"));
        this.group = group;
        this.queue = queue;
        this.diag = diag;
        this.interceptMark = interceptMark;
        this.failOpen = failOpen;
    }

    /** Binds {@code queueNumber} in the calling namespace and starts receiving. */
    static VerdictQueue open(FlowEngine engine, EventLoopGroup group, int queueNumber, boolean failOpen,
                             int interceptMark) throws IOException {
        NfQueue q = NfQueue.open(NfqConfig.of(queueNumber, failOpen));
        SockDiag diag;
        try {
            diag = SockDiag.open();
        } catch (LinuxException | RuntimeException e) {
            q.close();
            throw e;
        }
        IoEventLoop queueLoop = Boolean.getBoolean("netext.flow.queueThread") ? null : (IoEventLoop) group.next();
        VerdictQueue v = new VerdictQueue(engine, group, q, diag, interceptMark, failOpen, queueLoop);
        try {
            v.closes = TcpCloseMonitor.open(v::socketClosed);
            if (queueLoop != null) v.registerOnLoop();
            v.sweeps = ConntrackWatch.join("fast-path UDP and forwarded flows", v::sweep);
        } catch (IOException | RuntimeException e) {
            v.close();
            throw e;
        }
        if (queueLoop == null) v.thread = Thread.ofPlatform().name("flow-verdicts-" + queueNumber).daemon().start(v::run);
        return v;
    }

    FlowEngine engine() { return engine; }

    /** The queue's socket joins the queue loop's epoll set (level-triggered: what one batch leaves wakes it again). */
    private void registerOnLoop() throws LinuxException {
        batch = new NfqBatch(BATCH, BATCH_BYTES);
        var registered = queueLoop.register(new QueueReader()).awaitUninterruptibly();
        if (!registered.isSuccess())
            throw new LinuxException("registering the verdict queue on an event loop: " + registered.cause(), 0);
        registration = registered.getNow();
        registration.submit(EpollIoOps.EPOLLIN);
    }

    private static final int BATCH = 64, BATCH_BYTES = 4 << 20;

    /** The queue's socket on the queue loop: each readiness drains one batch, on that loop. */
    private final class QueueReader implements EpollIoHandle {
        private final FileDescriptor fd = new FileDescriptor(queue.fd());

        @Override public FileDescriptor fd() { return fd; }

        @Override
        public void handle(IoRegistration r, IoEvent event) {
            if (stopping) return;
            try {
                handleBatch(queue.receiveNow(batch));
            } catch (LinuxException | RuntimeException e) {
                log.error("flow verdict queue failed; new connections get the failure setting", e);
                r.cancel();
            }
        }

        @Override
        public void close() {
            // the loop is shutting down; the queue's socket is the NfQueue's, closed by VerdictQueue.close
        }
    }

    /** The reader of {@code -Dnetext.flow.queueThread=true}: a thread of its own. */
    private void run() {
        try (NfqBatch own = new NfqBatch(BATCH, BATCH_BYTES)) {
            batch = own;
            while (!stopping) handleBatch(queue.receive(own, 100));
        } catch (LinuxException | RuntimeException e) {
            if (!stopping) log.error("flow verdict queue failed; new connections get the failure setting", e);
        }
    }

    private void handleBatch(int n) {
        if (batch.errors() > 0) // a verdict for a packet the kernel no longer holds, say
            log.warn("queue {}: {} verdicts refused (errno {})", queue.queueNumber(), batch.errors(), batch.lastErrno());
        batchThread = Thread.currentThread();
        try {
            for (int i = 0; i < n; i++) handle(batch.get(i));
        } finally {
            batchThread = null;
        }
        if (n > 0) flush();
    }

    /** Where a new queued flow lives: the queue loop (no hop from the reader), else any loop. */
    private EventLoop loopForNewFlow() { return queueLoop != null ? queueLoop : group.next(); }

    private void handle(NfqPacket p) {
        ByteBuffer b = p.payloadBuffer();
        int len = p.payloadLength();
        IpPacket ip = len > 0 && (b.get(0) >>> 4 & 0xF) == 6 ? (v6.tryWrap(b, 0, len) ? v6 : null)
                : (v4.tryWrap(b, 0, len) ? v4 : null);
        if (ip != null && !ip.isFragment() && ip.upperLayerProtocol() == IpProtocol.UDP && udp.tryWrap(ip)) {
            handleUdp(p, ip);
            return;
        }
        if (ip == null || ip.upperLayerProtocol() != IpProtocol.TCP || ip.isFragment() || !tcp.tryWrap(ip)) {
            release(p.packetId(), p.mark(), 0); // only TCP and UDP are steered here; anything else passes as it came
            return;
        }
        if (p.hook() == NfqueueH.NF_INET_LOCAL_IN || p.hook() == NfqueueH.NF_INET_FORWARD) { // -IN: a server's
            handleReply(p, ip);
            return;
        }
        Key key = new Key(TransportProtocol.TCP, new InetSocketAddress(ip.sourceInetAddress(), tcp.sourcePort()),
                new InetSocketAddress(ip.destinationInetAddress(), tcp.destinationPort()));
        int flags = tcp.flags();
        boolean syn = (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
        int dataOffset = tcp.offset() + tcp.headerLength();
        byte[] data = new byte[Math.max(0, ip.offset() + ip.packetLength() - dataOffset)];
        b.get(dataOffset, data);
        int id = p.packetId(), mark = p.mark(), seq = tcp.sequenceNumber();
        boolean forwarded = p.hook() == NfqueueH.NF_INET_PRE_ROUTING;
        QueuedFlow known = flows.get(key);
        if (log.isDebugEnabled()) log.debug("queued {} -> {} flags {} seq {} {} bytes ({})", key.client(), key.remote(),
                Integer.toHexString(flags), Integer.toUnsignedString(seq), data.length, known == null ? "new" : "known");
        if (syn && (known == null || known.closed())) { // a new connection (its port may be a closed flow's, lingering)
            QueuedTcpFlow created = new QueuedTcpFlow(this, key.client(), key.remote(), forwarded, loopForNewFlow(),
                    attributeOnLoop);
            flows.put(key, created);
            created.synQueued(id, mark, seq);
        } else if (known instanceof QueuedTcpFlow f) {
            if (data.length > 0) SetupStages.stamp(f.stages, SetupStages.Stage.DATA_RECEIVED);
            if (f.loop.inEventLoop()) f.packet(id, mark, syn, seq, flags, data);
            else f.loop.execute(() -> f.packet(id, mark, syn, seq, flags, data));
        } else {
            // a connection marked pending whose flow this instance does not know (a crashed instance judged it)
            release(id, mark, failOpen ? VerdictSteering.ACCEPTED : VerdictSteering.REJECTED);
        }
    }

    /**
     * A packet from the server of a connection being named ({@link VerdictSteering}'s {@code -IN} chain): its flow is
     * found by the reversed tuple. One this instance does not know (a crashed instance judged it) gets the failure
     * setting, as its client's packets do.
     */
    private void handleReply(NfqPacket p, IpPacket ip) {
        Key key = new Key(TransportProtocol.TCP, new InetSocketAddress(ip.destinationInetAddress(), tcp.destinationPort()),
                new InetSocketAddress(ip.sourceInetAddress(), tcp.sourcePort()));
        int dataOffset = tcp.offset() + tcp.headerLength();
        int length = Math.max(0, ip.offset() + ip.packetLength() - dataOffset);
        int id = p.packetId(), mark = p.mark(), seq = tcp.sequenceNumber(), flags = tcp.flags();
        if (log.isDebugEnabled()) log.debug("queued reply {} -> {} flags {} seq {} {} bytes", key.remote(), key.client(),
                Integer.toHexString(flags), Integer.toUnsignedString(seq), length);
        if (flows.get(key) instanceof QueuedTcpFlow f) {
            if (f.loop.inEventLoop()) f.reply(id, mark, seq, flags, length);
            else f.loop.execute(() -> f.reply(id, mark, seq, flags, length));
        } else {
            release(id, mark, failOpen ? VerdictSteering.ACCEPTED : VerdictSteering.REJECTED);
        }
    }

    /** A UDP datagram: the first of a flow (or of a flow whose entry only lingers) opens it. */
    private void handleUdp(NfqPacket p, IpPacket ip) {
        Key key = new Key(TransportProtocol.UDP, new InetSocketAddress(ip.sourceInetAddress(), udp.sourcePort()),
                new InetSocketAddress(ip.destinationInetAddress(), udp.destinationPort()));
        ByteBuffer b = p.payloadBuffer();
        byte[] data = new byte[Math.max(0, udp.payloadLength())];
        b.get(udp.payloadOffset(), data);
        int id = p.packetId(), mark = p.mark();
        QueuedFlow known = flows.get(key);
        if (known instanceof QueuedUdpFlow f && !f.closed()) {
            if (f.loop.inEventLoop()) f.datagram(id, mark, data);
            else f.loop.execute(() -> f.datagram(id, mark, data));
        } else if (udpFlows.get() >= MAX_UDP_FLOWS) {
            release(id, mark, -1); // too many known: the terminated path, which has bounds of its own
        } else {
            QueuedUdpFlow created = new QueuedUdpFlow(this, key.client(), key.remote(),
                    p.hook() == NfqueueH.NF_INET_PRE_ROUTING, loopForNewFlow());
            if (flows.put(key, created) == null) udpFlows.incrementAndGet();
            if (created.loop.inEventLoop()) created.first(id, mark, data);
            else created.loop.execute(() -> created.first(id, mark, data));
        }
    }

    /**
     * One packet's verdict, from any thread: {@code field} 0 accepts it as it is, -1 sends it to TPROXY (the
     * intercept mark: the kernel routes it again), else a {@link VerdictSteering} value is saved in its connection's
     * mark ({@code NF_REPEAT}: the packet goes through the chain again, which accepts, rejects or drops it).
     */
    void release(int packetId, int mark, int field) {
        try {
            if (field == 0) queue.verdict(packetId, NfqueueH.NF_ACCEPT, false, 0, null);
            else if (field == -1) queue.verdict(packetId, NfqueueH.NF_ACCEPT, true, interceptMark, null);
            else queue.verdict(packetId, NfqueueH.NF_REPEAT, true, (mark & ~VerdictSteering.FIELD) | field, null);
        } catch (LinuxException e) {
            log.warn("verdict for queued packet {} failed: {}", Integer.toUnsignedString(packetId), e.getMessage());
        }
    }

    /** Drops one queued packet (a datagram beyond what a flow holds); the verdict goes with the next flush. */
    void discard(int packetId) {
        try {
            queue.verdict(packetId, NfqueueH.NF_DROP, false, 0, null);
        } catch (LinuxException e) {
            log.warn("verdict for queued packet {} failed: {}", Integer.toUnsignedString(packetId), e.getMessage());
        }
    }

    /**
     * Sends the verdicts appended so far. While the queue's thread handles a batch, its flows' verdicts wait for the
     * batch's end, all in one {@code sendto} (a burst of new connections: one system call, not one per flow).
     */
    void flush() {
        if (batchThread == Thread.currentThread()) return;
        try {
            queue.flush();
        } catch (LinuxException e) {
            log.warn("sending queued verdicts failed: {}", e.getMessage());
        }
    }

    /**
     * A reset from {@code from} to {@code to} with sequence number {@code seq} ({@link TcpReset}), sent with netext's
     * bypass mark: to a dropped connection's server from its client, or (gateway mode) to another host's client from
     * its server.
     */
    void reset(InetSocketAddress from, InetSocketAddress to, int seq) {
        RawIpSocket raw = to.getAddress() instanceof Inet4Address ? rawV4 : rawV6;
        try {
            if (raw == null) raw = openRaw(!(to.getAddress() instanceof Inet4Address));
            raw.send(TcpReset.packet(from, to, seq), to.getAddress());
        } catch (LinuxException | RuntimeException e) {
            log.debug("reset to {} failed: {}", to, e.toString());
        }
    }

    /**
     * Aborts the application's socket of a connection that was dropped while it waited for its server to speak
     * ({@link SockDiag#destroy}): no packet of the application is on its way for the kernel's reject to answer.
     * Local connections only (another host's socket is reset by {@link #reset}).
     */
    void abortApplication(InetSocketAddress client, InetSocketAddress server) {
        try {
            diag.destroy(client, server);
        } catch (LinuxException | RuntimeException e) {
            log.debug("aborting the socket {} -> {} failed: {}", client, server, e.toString());
        }
    }

    private synchronized RawIpSocket openRaw(boolean v6) throws LinuxException {
        if (v6) return rawV6 != null ? rawV6 : (rawV6 = RawIpSocket.open(true, bypassMark));
        return rawV4 != null ? rawV4 : (rawV4 = RawIpSocket.open(false, bypassMark));
    }

    /** The flow's packets no longer come here. */
    void forget(QueuedFlow f) {
        if (flows.remove(new Key(f.protocol(), f.client, f.remote), f) && f.protocol() == TransportProtocol.UDP)
            udpFlows.decrementAndGet();
    }

    /** The kernel destroyed an application's socket: an allowed flow of it ends, with its byte counts. */
    private void socketClosed(InetSocketAddress local, InetSocketAddress remote, long received, long acked) {
        QueuedFlow f = flows.get(new Key(TransportProtocol.TCP, local, remote));
        if (f != null && f.accepted()) f.loop.execute(() -> f.close(Math.max(0, received), Math.max(0, acked)));
    }

    /**
     * Allowed flows whose application socket is gone are closed: TCP ones without a word from
     * {@link TcpCloseMonitor}, UDP ones (nothing tells of those) with their conntrack entry's bytes; forwarded ones
     * once that entry is gone or closed. On the namespace's sweep thread; the table is read once per sweep, for the
     * inbound queue too.
     */
    private void sweep(ConntrackWatch.Sweep sweep) {
        Map<ConntrackTable.Tuple, ConntrackTable.Entry> table = null; // asked for once, if a flow needs it
        for (QueuedFlow f : flows.values()) {
            if (!f.accepted()) continue;
            if (f.forwarded || f.protocol() == TransportProtocol.UDP) {
                if (table == null) table = sweep.table();
                if (f.carried == null) f.carried = new ConntrackWatch.Connection(f.protocol(), f.client, f.remote);
                boolean entryEnded = f.carried.sweep(table);
                if (f.forwarded) { // another host's connection has no socket here: it ends with its entry
                    if (!sweep.missing() && (entryEnded || !f.carried.seen())) closeCarried(f);
                    continue;
                }
            }
            Optional<SocketOwner> s;
            try {
                s = diag.lookup(f.protocol(), f.client, f.remote);
            } catch (LinuxException | RuntimeException e) {
                log.debug("sweep lookup: {}", e.toString());
                continue;
            }
            boolean tcpGone = f.protocol() == TransportProtocol.TCP && s.isPresent()
                    && (s.get().state() == TCP_TIME_WAIT || s.get().state() == TCP_CLOSE);
            if (tcpGone) f.loop.execute(() -> f.close(-1, -1));
            else if (s.isEmpty()) closeCarried(f);
        }
    }

    /**
     * Closes {@code f} with what its conntrack entries counted — reply bytes in, original bytes out (the flow's
     * client opened the connection); none (the queue's count) when accounting was off as it opened.
     */
    private static void closeCarried(QueuedFlow f) {
        ConntrackTable.Counters c = f.carried == null ? null : f.carried.counted();
        if (c == null) f.loop.execute(() -> f.close(-1, -1));
        else f.loop.execute(() -> f.close(c.replyBytes(), c.originalBytes()));
    }

    /** Queued flows known now (being named, or allowed and open). */
    int size() { return flows.size(); }

    @Override
    public void close() {
        stopping = true;
        if (sweeps != null) sweeps.close(); // no sweep of this queue runs after
        if (registration != null) { // off the loop's epoll set before the socket closes; then no batch is being read
            IoRegistration r = registration;
            var cancelled = queueLoop.submit(() -> r.cancel());
            if (cancelled.awaitUninterruptibly(2000) && cancelled.isSuccess()) batch.close();
        } else if (batch != null && queueLoop != null) {
            batch.close(); // registering failed
        }
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        queue.close(); // packets still held: the kernel drops them (or lets them pass, fail-open)
        if (closes != null) closes.close();
        diag.close();
        if (rawV4 != null) rawV4.close();
        if (rawV6 != null) rawV6.close();
    }
}
