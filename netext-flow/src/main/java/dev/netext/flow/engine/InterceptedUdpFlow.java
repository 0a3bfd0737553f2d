package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.proxy.DatagramBatches;
import dev.netext.flow.proxy.DatagramTrains;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.flow.proxy.Socks5Address;
import dev.netext.flow.proxy.Socks5UdpAssociation;
import dev.netext.flow.proxy.Socks5UdpDatagram;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.wire.quic.CryptoReassembler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One intercepted UDP flow ("association"): the datagrams between one client address and port and one original
 * destination, from the first datagram until the flow has been idle for the idle timeout. The UDP adapter of the
 * {@link FlowPipeline}, which attributes, decides and routes it; this class moves the datagrams:
 * <ol>
 *   <li>datagrams are held (bounded) while the namer reads them: a QUIC Initial is named by its SNI, possibly over
 *       several datagrams; anything else by the DNS map at once; the peek timeout bounds the wait;</li>
 *   <li>they stay held (bounded) while the pipeline decides or a pause holds; nothing is sent;</li>
 *   <li>allowed ({@link #connect}), through the proxy the pipeline's walk chose or direct. A flow a SOCKS5 proxy claims is
 *       relayed through a UDP association of its own ({@link Socks5UdpAssociation}: the TCP control connection and
 *       the relay socket with the bypass mark, closed with the flow; datagrams addressed to the original IP, not the
 *       hostname, so the relay cannot re-resolve a QUIC connection onto another server mid-flow); a declined one
 *       goes direct;</li>
 *   <li>direct: an upstream socket (bypass mark) connected to the original destination; either way a <em>reply</em> socket
 *       bound to the original destination with IP_TRANSPARENT and connected to the client, so replies come from
 *       the address the client wrote to. Being connected, the reply socket is also where TPROXY's established-socket
 *       lookup delivers the client's later datagrams: the kernel demultiplexes the flow;</li>
 *   <li>the held datagrams go once both sockets are up and the flow is announced
 *       ({@link FlowPipeline#whenAnnounced});</li>
 *   <li>dropped ({@link #drop}): every datagram of the flow is discarded until it has been idle for the timeout (asking again per
 *       datagram would let a retrying client hammer the filter). {@code DropMode.RESET} also answers with an ICMP
 *       port unreachable from the original destination ({@link PortUnreachable}; at most one a second per flow),
 *       as a closed port would, so a connected client fails at once; {@code SILENT} only discards.</li>
 * </ol>
 * All state lives on the event loop of the listener that saw the first datagram; the flow's channels share it.
 */
final class InterceptedUdpFlow implements FlowPipeline.Transport {
    private static final Logger log = LoggerFactory.getLogger(InterceptedUdpFlow.class);
    /** Held while naming, deciding or paused; beyond either bound, datagrams are discarded (and counted). */
    static final int MAX_HELD_DATAGRAMS = 64, MAX_HELD_BYTES = 256 * 1024;

    /** {@code OPEN}: before the pipeline acts (naming, deciding, paused, routing). */
    private enum State { OPEN, CONNECTING, RELAYING, DROPPED, CLOSED }

    private final UdpInterceptor owner;
    private final FlowEngine engine;
    private final long id;
    private final InetSocketAddress client, original;
    private final EventLoop loop;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private final CryptoReassembler quic = new CryptoReassembler();
    private final FlowPipeline pipeline;
    private State state = State.OPEN;
    private int heldBytes;
    private long discarded;
    private ScheduledFuture<?> idleTimer;
    private Channel upstream, reply;
    private FlowProxy viaProxy;
    private Socks5UdpAssociation association;
    private Socks5Address relayTarget;
    private DatagramGate outbound, inbound;
    private CoalescingDatagramWriter toUpstream, toClient;
    private long bytesOut, bytesIn, lastActive;
    private int pendingSockets;
    private boolean relayFailed, resetting, clientBurst;
    private long lastUnreachable;

    InterceptedUdpFlow(UdpInterceptor owner, FlowEngine engine, long id, InetSocketAddress client,
                       InetSocketAddress original, EventLoop loop) {
        this.owner = owner;
        this.engine = engine;
        this.id = id;
        this.client = client;
        this.original = original;
        this.loop = loop;
        this.lastActive = System.nanoTime();
        pipeline = new FlowPipeline(engine, id, TransportProtocol.UDP, client, original, loop, this);
        pipeline.nameWithin(engine.config().peekTimeout());
        scheduleIdleCheck(engine.config().interception().udpIdleTimeout().toNanos());
    }

    InetSocketAddress client() { return client; }

    InetSocketAddress original() { return original; }

    /** Datagrams discarded because a bound was full (held while undecided) — for tests and accounting. */
    long discarded() { return discarded; }

    /** A datagram from the client (through the listener, or the reply socket once connected). Takes ownership. */
    void fromClient(ByteBuf data) {
        if (!clientBurst) lastActive = System.nanoTime(); // a read batch's end notes it once for all its datagrams
        switch (state) {
            case OPEN -> {
                hold(data); // never passed before the verdict
                if (pipeline.step() == FlowPipeline.Step.NAMING && !held.isEmpty() && held.peekLast() == data)
                    pipeline.peeked(engine.namer().nameUdp(original.getAddress(), data.nioBuffer(), 0,
                            data.readableBytes(), quic), heldBytes >= Math.max(1, engine.config().peekMaxBytes()));
            }
            case CONNECTING -> hold(data);
            case RELAYING -> {
                sendUpstream(data);
                if (!clientBurst) flushUpstream(); // from the listener: no read burst to end
            }
            default -> {
                if (state == State.DROPPED && resetting) unreachable(data);
                data.release();
            }
        }
    }

    private void hold(ByteBuf data) {
        if (held.size() >= MAX_HELD_DATAGRAMS || heldBytes + data.readableBytes() > MAX_HELD_BYTES) {
            discarded++;
            data.release();
            return;
        }
        held.add(data);
        heldBytes += data.readableBytes();
    }

    /** The pipeline dropped the flow (so does a data verdict): its datagrams are discarded until it is idle. */
    @Override
    public void drop(DropMode mode) {
        state = State.DROPPED;
        resetting = mode == DropMode.RESET;
        if (resetting && !held.isEmpty()) unreachable(held.peek());
        releaseHeld();
        closeChannels();
    }

    /** An ICMP port unreachable for {@code datagram}, at most one a second. */
    private void unreachable(ByteBuf datagram) {
        long now = System.nanoTime();
        if (lastUnreachable != 0 && now - lastUnreachable < 1_000_000_000L) return;
        lastUnreachable = now;
        owner.portUnreachable(client, original, datagram.nioBuffer());
    }

    /** The pipeline allowed the flow, to {@code proxy} or direct (null); {@code watch}: the directions to filter. */
    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        state = State.CONNECTING;
        pendingSockets = 2; // the upstream (or association) and the reply socket
        Flow flow = pipeline.flow();
        outbound = new DatagramGate(watch != null && watch.filtersOutbound(),
                (off, data) -> engine.provider().handleOutboundData(flow, off, data));
        inbound = new DatagramGate(watch != null && watch.filtersInbound(),
                (off, data) -> engine.provider().handleInboundData(flow, off, data));
        SocketProtocolFamily family = original.getAddress() instanceof Inet6Address
                ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        boolean trains = DatagramTrains.enabled();
        if (proxy == null || proxy.server() instanceof ProxyServer.Hosted) {
            // direct, or to the loopback socket a hosted provider reads this flow's datagrams from
            Endpoint relay = proxy == null ? null
                    : ((ProxyServer.Hosted) proxy.server()).udpRelayFor().apply(id);
            if (proxy != null) viaProxy = proxy;
            if (proxy != null && relay == null) {
                pipeline.proxyFailed(proxy, new IllegalStateException("no UDP relay for the flow at the proxy host"));
                relayFailed = true;
                pendingSockets--; // only the reply socket's outcome is still to come
            } else {
                ChannelFuture up = relaySocket(family, trains)
                        .handler(new FromUpstream())
                        .connect(relay == null ? original : relay.toSocketAddress());
                if (trains) DatagramTrains.readWhenConnected(up);
                upstream = up.channel();
                up.addListener(f -> connected("upstream", f.cause()));
            }
        } else {
            // the other server that carries UDP (FlowProxy.handleNewFlow declines for the rest): SOCKS5
            ProxyServer.Socks5 socks = (ProxyServer.Socks5) proxy.server();
            viaProxy = proxy;
            relayTarget = Socks5Address.of(Endpoint.of(original));
            Socks5UdpAssociation.open(loop, socks.address(), socks.credentials(), InterceptionConfig.DEFAULT_BYPASS_MARK,
                    engine.config().connectTimeout(), this::fromRelay, this::relayBatchEnd).addListener(f -> {
                        Socks5UdpAssociation a = f.isSuccess() ? (Socks5UdpAssociation) f.getNow() : null;
                        if (a != null) {
                            if (state != State.CONNECTING) { // closed meanwhile
                                a.close();
                                return;
                            }
                            association = a;
                            a.closeFuture().addListener(c -> close()); // the server ended the association
                        } else {
                            pipeline.proxyFailed(proxy, f.cause());
                        }
                        connected("proxy " + proxy.member().provider(), f.cause());
                    });
        }
        // bound to the original destination (non-local: IP_TRANSPARENT), connected to the client; other flows to
        // the same destination bind the same address, hence SO_REUSEADDR
        ChannelFuture back = relaySocket(family, trains)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new FromClient())
                .connect(client, original);
        if (trains) DatagramTrains.readWhenConnected(back);
        reply = back.channel();
        back.addListener(f -> connected("reply", f.cause()));
    }

    /**
     * A relay socket on the flow's event loop with the bypass mark, reading GRO trains ({@link DatagramTrains}) or
     * Netty's {@code recvmmsg} batches ({@link DatagramBatches}).
     */
    private Bootstrap relaySocket(SocketProtocolFamily family, boolean trains) {
        Bootstrap b = new Bootstrap().group(loop).channelFactory(() -> new EpollDatagramChannel(family))
                .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK);
        return trains ? DatagramTrains.readTrains(b) : DatagramBatches.readInBatches(b);
    }

    /** One relay socket is ready (or failed); the held datagrams go once both are and the flow is announced. */
    private void connected(String which, Throwable failure) {
        if (failure != null) {
            relayFailed = true;
            log.debug("flow {}: {} socket to {} failed: {}", id, which, which.equals("reply") ? client : original,
                    failure.toString());
        }
        if (--pendingSockets > 0 || state != State.CONNECTING) return;
        if (relayFailed) {
            // the client fails as a direct flow to a dead port would
            if (viaProxy != null && !held.isEmpty()) unreachable(held.peek());
            close();
            return;
        }
        // a direct flow's upstream leg (capture --flow follows it); a proxied one goes through the association instead
        if (upstream != null) {
            pipeline.upstream(upstream.localAddress(), upstream.remoteAddress());
            toUpstream = CoalescingDatagramWriter.on(upstream, (InetSocketAddress) upstream.remoteAddress());
        }
        toClient = CoalescingDatagramWriter.on(reply, client);
        pipeline.whenAnnounced(() -> {
            if (state == State.CONNECTING) startRelaying();
        });
    }

    private void startRelaying() {
        state = State.RELAYING;
        while (!held.isEmpty()) sendUpstream(held.poll());
        heldBytes = 0;
        flushUpstream();
    }

    private void flushUpstream() {
        if (toUpstream != null) toUpstream.flush();
        else if (association != null) association.flush();
    }

    /** A datagram the SOCKS5 relay forwarded; only the original destination's, as on a connected direct socket. */
    private void fromRelay(Socks5UdpDatagram d) {
        if (!d.address().equals(relayTarget)) return;
        fromUpstream(Unpooled.copiedBuffer(d.payload()));
    }

    /** The end of a batch the SOCKS5 relay forwarded: its datagrams leave for the client together. */
    private void relayBatchEnd() {
        lastActive = System.nanoTime();
        if (toClient != null) toClient.flush();
    }

    private void sendUpstream(ByteBuf data) {
        switch (outbound.offer(data)) {
            case PASS -> {
                bytesOut += data.readableBytes();
                if (association != null) {
                    association.write(relayTarget, data.nioBuffer()); // copies the payload behind the SOCKS header
                    data.release();
                } else {
                    toUpstream.write(data); // flushed at the end of the read batch
                }
            }
            case DISCARD -> data.release();
            case DROP_FLOW -> {
                gateDropped(outbound.drop(), data);
                data.release();
            }
        }
    }

    private void fromUpstream(ByteBuf data) {
        if (state != State.RELAYING) {
            data.release();
            return;
        }
        switch (inbound.offer(data)) {
            case PASS -> {
                bytesIn += data.readableBytes();
                toClient.write(data);
            }
            case DISCARD -> data.release();
            case DROP_FLOW -> {
                data.release();
                gateDropped(inbound.drop(), null);
            }
        }
    }

    /** A data verdict dropped the flow; {@code clientDatagram} is the client's datagram that was shown, if any. */
    private void gateDropped(FinalVerdict.Drop verdict, ByteBuf clientDatagram) {
        pipeline.dataDropped(verdict);
        drop(verdict.mode());
        if (resetting && clientDatagram != null) unreachable(clientDatagram);
    }

    private void scheduleIdleCheck(long inNanos) {
        idleTimer = loop.schedule(() -> {
            long idle = engine.config().interception().udpIdleTimeout().toNanos();
            long left = lastActive + idle - System.nanoTime();
            // a flow being decided, paused or still connecting (a proxy's UDP association under load can take longer
            // than the idle time) is waiting for the filter or its upstream, not idle
            boolean deciding = state == State.OPEN && pipeline.step() != FlowPipeline.Step.NAMING;
            if (deciding || state == State.CONNECTING || left > 0)
                scheduleIdleCheck(Math.max(left, idle / 4));
            else close();
        }, inNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends the flow (idle, relay failure, engine stop): channels closed, held data released, closed reported. */
    void close() {
        if (state == State.CLOSED) return;
        state = State.CLOSED;
        if (idleTimer != null) idleTimer.cancel(false);
        releaseHeld();
        closeChannels();
        owner.removed(this);
        pipeline.closed(bytesIn, bytesOut);
    }

    private void releaseHeld() {
        ByteBuf b;
        while ((b = held.poll()) != null) b.release();
        heldBytes = 0;
    }

    private void closeChannels() {
        if (toUpstream != null) toUpstream.discard();
        if (toClient != null) toClient.discard();
        if (upstream != null) upstream.close();
        if (association != null) association.close();
        if (reply != null) reply.close();
    }

    /** The client's later datagrams, delivered by TPROXY to the connected reply socket. */
    private final class FromClient extends SimpleChannelInboundHandler<DatagramPacket> {
        /** A slice of the read batch's buffer: one that is held (not relayed yet) is copied out of it. */
        private final Consumer<ByteBuf> each = d -> fromClient(state == State.RELAYING ? d : DatagramBatches.compact(d));

        FromClient() { super(false); }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            clientBurst = true;
            if (packet instanceof SegmentedDatagramPacket train && state == State.RELAYING && toUpstream != null
                    && outbound.passUnseen(train.content())) {
                bytesOut += train.content().readableBytes();
                toUpstream.writeTrain(train.content(), train.segmentSize()); // nothing judges its datagrams: one send
                return;
            }
            DatagramTrains.forEachDatagram(packet, each);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            clientBurst = false;
            lastActive = System.nanoTime();
            if (state == State.RELAYING) flushUpstream();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} reply socket: {}", id, cause.toString()); // e.g. ECONNREFUSED: the client's socket is gone
        }
    }

    /** The original destination's answers, sent on to the client from the original destination's address. */
    private final class FromUpstream extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Consumer<ByteBuf> each = InterceptedUdpFlow.this::fromUpstream;

        FromUpstream() { super(false); }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (packet instanceof SegmentedDatagramPacket train && state == State.RELAYING
                    && inbound.passUnseen(train.content())) {
                bytesIn += train.content().readableBytes();
                toClient.writeTrain(train.content(), train.segmentSize());
                return;
            }
            DatagramTrains.forEachDatagram(packet, each);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            lastActive = System.nanoTime();
            if (toClient != null) toClient.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} upstream socket: {}", id, cause.toString()); // ICMP errors on the connected socket
        }
    }
}
