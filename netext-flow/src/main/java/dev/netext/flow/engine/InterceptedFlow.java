package dev.netext.flow.engine;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.HandshakeHandler;
import dev.netext.linux.LinuxException;
import dev.netext.linux.tcp.TcpInfo;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One intercepted TCP connection, from accept to close: the TCP adapter of the {@link FlowPipeline}, which decides.
 * The accepted socket's local address is the original destination (TPROXY). This class moves the bytes:
 * <ol>
 *   <li>the client's first bytes are read and held, and shown to the namer, until the pipeline's naming is over;</li>
 *   <li>nothing is read or connected while the pipeline decides or a pause holds;</li>
 *   <li>allowed ({@link #connect}): connects with the bypass mark to the original destination, or to the proxy's
 *       server followed by its handshake;</li>
 *   <li>once connected and the flow is announced ({@link FlowPipeline#whenAnnounced}): relays both ways, through a
 *       {@link DataGate} per direction the filter watches, or splices in the kernel when none does;</li>
 *   <li>dropped ({@link #drop}): reset, or held open discarding for a silent drop.</li>
 * </ol>
 * All state is touched on the client channel's event loop; the upstream channel shares it.
 */
final class InterceptedFlow extends ChannelInboundHandlerAdapter implements FlowPipeline.Transport {
    private static final Logger log = LoggerFactory.getLogger(InterceptedFlow.class);

    private static final String HANDSHAKE = "proxy-handshake";

    /** {@code OPEN}: before the pipeline acts (naming, deciding, paused, routing). */
    private enum State { OPEN, CONNECTING, RELAYING, SPLICING, DISCARDING, CLOSED }

    private final FlowEngine engine;
    private final long id;
    private FlowPipeline pipeline;
    private Channel client;
    private Channel upstream;
    private State state = State.OPEN;
    private ByteBuf prefix;
    private ScheduledFuture<?> discardTimer;
    private DataGate outbound, inbound;
    private long bytesOut, bytesIn;
    private long handshakeOut, handshakeIn; // the proxy handshake's share of the upstream socket's TCP counters
    private ByteBuf heldIn; // server bytes that came with a proxy's reply, before the relay was set up
    private boolean clientInputShut, upstreamInputShut, spliceCounted;

    InterceptedFlow(FlowEngine engine, long id) {
        this.engine = engine;
        this.id = id;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        pipeline = new FlowPipeline(engine, id, TransportProtocol.TCP, (InetSocketAddress) client.remoteAddress(),
                (InetSocketAddress) client.localAddress(), client.eventLoop(), this);
        prefix = ctx.alloc().heapBuffer(Math.max(1, Math.min(engine.config().peekMaxBytes(), 4096)),
                Math.max(1, engine.config().peekMaxBytes()));
        if (engine.config().peekMaxBytes() == 0 || engine.config().peekTimeout().isZero()) {
            pipeline.decide();
            return;
        }
        pipeline.nameWithin(engine.config().peekTimeout());
        client.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        switch (state) {
            case OPEN -> {
                if (pipeline.step() == FlowPipeline.Step.NAMING) peek(b);
                else appendHeld(b); // bytes read before the verdict are held, never passed
            }
            case RELAYING -> {
                bytesOut += b.readableBytes();
                outbound.onData(b);
            }
            case DISCARDING -> b.release();
            default -> appendHeld(b); // bytes read before the verdict are held, never passed
        }
    }

    /** The pipeline's name step: the bytes join the held prefix and the namer sees all of it. */
    private void peek(ByteBuf b) {
        int n = Math.min(b.readableBytes(), prefix.maxWritableBytes());
        prefix.writeBytes(b, n);
        if (b.isReadable()) { // more than the peek limit: keep the rest, decide now
            ByteBuf rest = b.retainedSlice();
            b.release();
            appendHeld(rest);
            pipeline.decide();
            return;
        }
        b.release();
        FlowName name = engine.namer().nameTcp(((InetSocketAddress) client.localAddress()).getAddress(),
                prefix.nioBuffer(), 0, prefix.readableBytes());
        pipeline.peeked(name, !prefix.isWritable());
        if (pipeline.step() == FlowPipeline.Step.NAMING) client.read();
    }

    private void appendHeld(ByteBuf more) {
        ByteBuf grown = client.alloc().heapBuffer(prefix.readableBytes() + more.readableBytes());
        grown.writeBytes(prefix).writeBytes(more);
        prefix.release();
        more.release();
        prefix = grown;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.RELAYING) {
            outbound.onBurstEnd();
            if (upstream != null) upstream.flush();
        }
    }

    /** The pipeline dropped the flow: reset, or a silent drop held open (discarding) before the reset. */
    @Override
    public void drop(DropMode mode) {
        if (mode == DropMode.RESET) {
            FlowSockets.reset(client);
            return;
        }
        state = State.DISCARDING;
        prefix.clear();
        client.config().setAutoRead(true);
        discardTimer = client.eventLoop().schedule(() -> FlowSockets.reset(client),
                engine.config().silentDropHold().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The pipeline allowed the flow, to {@code proxy} or direct (null); {@code watch}: the directions to filter. */
    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        state = State.CONNECTING;
        dial(proxy, watch == null ? 0 : watch.peekInboundBytes(), watch == null ? 0 : watch.peekOutboundBytes());
    }

    /**
     * Connects upstream with the bypass mark: to the original destination, or to {@code proxy}'s server followed by
     * its handshake (the tunnel then carries the flow exactly as a direct connection would, splice included).
     */
    private void dial(FlowProxy proxy, int peekInbound, int peekOutbound) {
        InetSocketAddress target = proxy == null ? (InetSocketAddress) client.localAddress()
                : proxy.server().address().toSocketAddress();
        Promise<Void> handshakeDone = client.eventLoop().newPromise();
        Bootstrap b = FlowSockets.upstream(client.eventLoop(), engine.config().connectTimeout())
                .handler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        if (proxy != null) ch.pipeline().addLast(HANDSHAKE, new HandshakeHandler(proxy.server()
                                .handshakeFor((TcpFlow) pipeline.flow()), handshakeDone, engine.config().connectTimeout()));
                        ch.pipeline().addLast(new Upstream());
                    }
                });
        b.connect(target).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (proxy != null) pipeline.proxyFailed(proxy, f.cause());
                FlowSockets.reset(client); // the client sees what it would have seen: the connection fails
                return;
            }
            if (state == State.CLOSED) {
                f.channel().close();
                return;
            }
            if (proxy == null) {
                relay(f.channel(), peekInbound, peekOutbound);
                return;
            }
            handshakeDone.addListener(h -> {
                if (!h.isSuccess()) {
                    pipeline.proxyFailed(proxy, h.cause());
                    f.channel().close();
                    FlowSockets.reset(client);
                } else if (state == State.CLOSED) {
                    f.channel().close();
                } else {
                    relay(f.channel(), peekInbound, peekOutbound);
                }
            });
        });
    }

    /**
     * The upstream channel is up: the flow's bytes move once the pipeline has announced the flow (at once, unless it
     * was allowed before attribution was done: then at most {@link FlowPipeline#ATTRIBUTION_HOLD} later; the client
     * waits with its request unanswered, so a short-lived client cannot finish and exit before its flow is named).
     */
    private void relay(Channel up, int peekInbound, int peekOutbound) {
        upstream = up;
        pipeline.upstream(up.localAddress(), up.remoteAddress());
        pipeline.whenAnnounced(() -> {
            if (state == State.CONNECTING) startRelay(peekInbound, peekOutbound);
        });
    }

    /** Gates, held bytes, then relay or splice. */
    private void startRelay(int peekInbound, int peekOutbound) {
        // the proxy's handshake leaves the pipeline first: server bytes that came with its reply reach Upstream
        // before any gate exists and are held (heldIn) for the client, ahead of everything relayed or spliced
        if (upstream.pipeline().get(HANDSHAKE) instanceof HandshakeHandler h) {
            handshakeOut = h.bytesSent();
            handshakeIn = h.bytesReceived();
            upstream.pipeline().remove(HANDSHAKE);
        }
        if (state == State.CLOSED) return;
        if (peekInbound == 0 && peekOutbound == 0 && engine.config().splice()) {
            startSplice();
            return;
        }
        var alloc = client.alloc();
        Flow flow = pipeline.flow();
        outbound = new DataGate(peekOutbound, new ToChannel(upstream), (off, data) ->
                engine.provider().handleOutboundData(flow, off, data), alloc);
        inbound = new DataGate(peekInbound, new ToChannel(client), (off, data) ->
                engine.provider().handleInboundData(flow, off, data), alloc);
        state = State.RELAYING;
        if (prefix.isReadable()) {
            bytesOut += prefix.readableBytes();
            outbound.onData(prefix);
            outbound.onBurstEnd();
            upstream.flush();
        } else {
            prefix.release();
        }
        prefix = null;
        if (heldIn != null) {
            ByteBuf b = heldIn;
            heldIn = null;
            bytesIn += b.readableBytes();
            inbound.onData(b);
            inbound.onBurstEnd();
            client.flush();
        }
        if (state != State.RELAYING) return;
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }

    /**
     * An allowed flow nobody watches: the kernel moves the bytes ({@link KernelSplice}: splice(2) through a 1 MiB
     * pipe each way), never copied into the JVM. The held first bytes go out first, written by the splice itself.
     */
    private void startSplice() {
        state = State.SPLICING;
        EpollSocketChannel c = (EpollSocketChannel) client, u = (EpollSocketChannel) upstream;
        ByteBuf first = prefix, firstIn = heldIn;
        prefix = null;
        heldIn = null;
        try {
            KernelSplice.start(c, u, first, firstIn, (toUpstream, toClient, error) -> {
                bytesOut += toUpstream;
                bytesIn += toClient;
                spliceCounted = true;
            });
        } catch (LinuxException e) { // no pipe (fd limit): Netty's splice, with its own pipes
            log.debug("flow {}: no splice pipe ({}), splicing through Netty", id, e.toString());
            bytesOut += first.readableBytes();
            u.writeAndFlush(first);
            if (firstIn != null) {
                bytesIn += firstIn.readableBytes();
                c.writeAndFlush(firstIn);
            }
            c.spliceTo(u, Integer.MAX_VALUE).addListener(this::spliceEnded);
            u.spliceTo(c, Integer.MAX_VALUE).addListener(this::spliceEnded);
            c.config().setAutoRead(true);
            u.config().setAutoRead(true);
        }
    }

    private void spliceEnded(Future<? super Void> f) {
        if (!f.isSuccess()) log.debug("flow {} splice ended: {}", id, String.valueOf(f.cause()));
    }

    /** TCP_INFO counters of whichever side is still open, taken before it closes. */
    private void countFromTcpInfo(boolean clientClosed) {
        Channel open = clientClosed ? upstream : client;
        if (open == null || !open.isOpen()) return;
        TcpInfo c;
        try {
            c = TcpInfo.read(((EpollSocketChannel) open).fd().intValue());
        } catch (LinuxException e) {
            return; // closed meanwhile: the counts so far stand
        }
        if (c == null) return;
        // upstream: acked = what the client sent (outbound); client: acked = what the remote sent (inbound)
        if (clientClosed) {
            bytesOut = Math.max(bytesOut, c.bytesAcked() - handshakeOut);
            bytesIn = Math.max(bytesIn, c.bytesReceived() - handshakeIn);
        }
        else { bytesIn = Math.max(bytesIn, c.bytesAcked()); bytesOut = Math.max(bytesOut, c.bytesReceived()); }
    }

    /** Where a gate's bytes go: the other channel; a drop resets both. */
    private final class ToChannel implements DataGate.Sink {
        private final Channel to;

        ToChannel(Channel to) { this.to = to; }

        @Override
        public void forward(ByteBuf bytes) {
            to.write(bytes, to.voidPromise());
            Channel from = to == upstream ? client : upstream;
            if (!to.isWritable() && from != null) from.config().setAutoRead(false);
        }

        @Override
        public void drop(FinalVerdict.Drop verdict) {
            pipeline.dataDropped(verdict);
            FlowSockets.reset(upstream);
            if (verdict.mode() == DropMode.RESET) FlowSockets.reset(client);
            else client.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null && client.isWritable()) upstream.config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientInputShut = true;
            if (upstream != null && (state == State.RELAYING || state == State.SPLICING)) {
                upstream.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((EpollSocketChannel) upstream).shutdownOutput());
                if (upstreamInputShut) client.close();
            } else if (state != State.OPEN || pipeline.step() == FlowPipeline.Step.ROUTING) {
                client.close();
            } else if (pipeline.step() == FlowPipeline.Step.NAMING) {
                pipeline.decide();
            } // deciding or paused: the client's end waits with its bytes for the verdict
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.SPLICING && !spliceCounted) countFromTcpInfo(true);
        state = State.CLOSED;
        if (discardTimer != null) discardTimer.cancel(false);
        if (prefix != null) {
            prefix.release();
            prefix = null;
        }
        if (heldIn != null) {
            heldIn.release();
            heldIn = null;
        }
        if (outbound != null) outbound.close();
        if (inbound != null) inbound.close();
        if (upstream != null) upstream.writeAndFlush(Unpooled.EMPTY_BUFFER)
                .addListener(ChannelFutureListener.CLOSE);
        if (pipeline != null) pipeline.closed(bytesIn, bytesOut);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("flow {} client side: {}", id, cause.toString());
        ctx.close();
    }

    /** The upstream connection's handler: inbound bytes through the inbound gate to the client. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (inbound == null) { // a proxy's leftover, before the relay or splice is set up: held for the client
                if (heldIn == null) {
                    heldIn = b;
                } else {
                    ByteBuf grown = ctx.alloc().heapBuffer(heldIn.readableBytes() + b.readableBytes());
                    grown.writeBytes(heldIn).writeBytes(b);
                    heldIn.release();
                    b.release();
                    heldIn = grown;
                }
                return;
            }
            bytesIn += b.readableBytes();
            inbound.onData(b);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (inbound != null) inbound.onBurstEnd();
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) client.config().setAutoRead(true);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                upstreamInputShut = true;
                client.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((EpollSocketChannel) client).shutdownOutput());
                if (clientInputShut) ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (state == State.SPLICING && !spliceCounted) countFromTcpInfo(false);
            if (client.isOpen()) client.writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} upstream side: {}", id, cause.toString());
            FlowSockets.reset(client);
            ctx.close();
        }
    }
}
