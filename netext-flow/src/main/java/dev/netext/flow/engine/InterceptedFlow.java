package dev.netext.flow.engine;

import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterAction;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.HandshakeHandler;
import dev.netext.linux.LinuxException;
import dev.netext.linux.tcp.TcpInfo;
import dev.netext.linux.tproxy.InterceptionConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One intercepted TCP connection, from accept to close. The accepted socket's local address is the original
 * destination (TPROXY). In order:
 * <ol>
 *   <li>attribution starts at once on a decider thread, while the client's socket certainly exists;</li>
 *   <li>the client's first bytes are read (and held) until the namer settles, the peek limit fills, or the peek
 *       timeout passes;</li>
 *   <li>the filter settings, then the provider, decide; pauses wait with nothing read, nothing connected;</li>
 *   <li>allowed flows are offered to the proxy chain ({@link ProxyWalk}): a claimed flow connects to its proxy's
 *       server and runs the proxy's handshake, a declined one connects to its original destination;</li>
 *   <li>both connect with the bypass mark and relay both ways, through a {@link DataGate} per direction the filter
 *       watches, or splice in the kernel when none does.</li>
 * </ol>
 * All state is touched on the client channel's event loop; the upstream channel shares it.
 */
final class InterceptedFlow extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InterceptedFlow.class);

    private static final String HANDSHAKE = "proxy-handshake";

    private enum State { PEEKING, DECIDING, PAUSED, CONNECTING, RELAYING, SPLICING, DISCARDING, CLOSED }

    private final FlowEngine engine;
    private final long id;
    private Channel client;
    private Channel upstream;
    private State state = State.PEEKING;
    private ByteBuf prefix;
    private FlowName name;
    private CompletableFuture<ProcessInfo> process;
    /** Completes once the opened and verdict events are out, when they waited for attribution; else null. */
    private CompletableFuture<Void> announced;
    private TcpFlow flow;
    private ScheduledFuture<?> timer;
    private DataGate outbound, inbound;
    private long bytesOut, bytesIn;
    private long handshakeOut, handshakeIn; // the proxy handshake's share of the upstream socket's TCP counters
    private ByteBuf heldIn; // server bytes that came with a proxy's reply, before the relay was set up
    private boolean clientInputShut, upstreamInputShut, reportedToProvider, spliceCounted;
    private boolean heldForAttribution, relayStarted;
    /** The longest an allowed flow decided without its process waits for attribution before its bytes move. */
    private static final java.time.Duration ATTRIBUTION_HOLD = java.time.Duration.ofMillis(100);

    InterceptedFlow(FlowEngine engine, long id) {
        this.engine = engine;
        this.id = id;
    }

    long id() { return id; }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        InetSocketAddress peer = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress original = (InetSocketAddress) client.localAddress();
        process = CompletableFuture.supplyAsync(() -> {
            try {
                return engine.attributor().attribute(TransportProtocol.TCP, peer, original);
            } catch (Exception e) {
                return ProcessInfo.UNKNOWN;
            }
        }, engine.attributors());
        prefix = ctx.alloc().heapBuffer(Math.max(1, Math.min(engine.config().peekMaxBytes(), 4096)),
                Math.max(1, engine.config().peekMaxBytes()));
        name = engine.namer().nameTcp(original.getAddress(), prefix.nioBuffer(), 0, 0);
        if (engine.config().peekMaxBytes() == 0 || engine.config().peekTimeout().isZero()) {
            decide();
            return;
        }
        timer = client.eventLoop().schedule(this::decide, engine.config().peekTimeout().toNanos(), TimeUnit.NANOSECONDS);
        client.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        switch (state) {
            case PEEKING -> {
                int n = Math.min(b.readableBytes(), prefix.maxWritableBytes());
                prefix.writeBytes(b, n);
                if (b.isReadable()) { // more than the peek limit: keep the rest, decide now
                    ByteBuf rest = b.retainedSlice();
                    b.release();
                    appendHeld(rest);
                    decide();
                    return;
                }
                b.release();
                name = engine.namer().nameTcp(((InetSocketAddress) client.localAddress()).getAddress(),
                        prefix.nioBuffer(), 0, prefix.readableBytes());
                if (name.settled() || !prefix.isWritable()) decide();
                else client.read();
            }
            case RELAYING -> {
                bytesOut += b.readableBytes();
                outbound.onData(b);
            }
            case DISCARDING -> b.release();
            default -> appendHeld(b); // bytes read before the verdict are held, never passed
        }
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

    /**
     * Peeking is over: build the flow and ask the settings, then the provider. A provider that
     * {@linkplain FilterDataProvider#decidesInline decides inline} is asked here on the event loop, once attribution
     * is done — or at once when it does not {@linkplain FilterDataProvider#needsProcess need the process}, the events
     * then following when attribution is done; any other provider on a decider thread.
     */
    private void decide() {
        if (state != State.PEEKING) return;
        state = State.DECIDING;
        if (timer != null) timer.cancel(false);
        FilterDataProvider p = engine.provider();
        if (p.decidesInline()) {
            if (process.isDone()) decideInline(process.getNow(ProcessInfo.UNKNOWN), null);
            else if (!p.needsProcess()) decideInline(ProcessInfo.UNKNOWN, process);
            else process.whenComplete((pi, e) -> client.eventLoop().execute(() -> {
                if (state == State.DECIDING) decideInline(pi == null ? ProcessInfo.UNKNOWN : pi, null);
            }));
            return;
        }
        process.thenAcceptAsync(pi -> {
            TcpFlow f = newFlow(pi);
            engine.events().opened(f);
            long t0 = System.nanoTime();
            FilterVerdict v = ask(f);
            engine.events().verdict(id, v, System.nanoTime() - t0);
            client.eventLoop().execute(() -> {
                flow = f;
                reportedToProvider = true;
                apply(v);
            });
        }, engine.deciders());
    }

    private TcpFlow newFlow(ProcessInfo p) {
        return new TcpFlow(id, Direction.OUTBOUND, Endpoint.of((InetSocketAddress) client.remoteAddress()),
                Endpoint.of((InetSocketAddress) client.localAddress()), p, name.hostname(), Optional.empty(),
                Instant.now());
    }

    /**
     * On the event loop. {@code pending} (not null) is the attribution still running: the flow's opened and verdict
     * events wait for it, so they carry the process, and every later event of the flow waits for them.
     */
    private void decideInline(ProcessInfo p, CompletableFuture<ProcessInfo> pending) {
        TcpFlow f = newFlow(p);
        if (pending == null) engine.events().opened(f);
        long t0 = System.nanoTime();
        FilterAction action = engine.settings().actionFor(f);
        FilterVerdict v = action == FilterAction.ALLOW ? FinalVerdict.ALLOW
                : action == FilterAction.DROP ? FinalVerdict.DROP
                : safely(engine.provider(), f);
        long latency = System.nanoTime() - t0;
        if (v instanceof FilterVerdict.NeedRules) { // fetching rules may block: the decider thread asks again
            CompletableFuture<ProcessInfo> attributed = pending == null ? CompletableFuture.completedFuture(p) : pending;
            attributed.thenAcceptAsync(pi -> {
                TcpFlow withProcess = newFlowOffLoop(f, pi);
                if (pending != null) engine.events().opened(withProcess);
                long t1 = System.nanoTime();
                FilterVerdict again = ask(f);
                engine.events().verdict(id, again, System.nanoTime() - t1);
                client.eventLoop().execute(() -> {
                    flow = f;
                    reportedToProvider = true;
                    apply(again);
                });
            }, engine.deciders());
            return;
        }
        if (pending == null) engine.events().verdict(id, v, latency);
        else announced = pending.handle((pi, e) -> {
            engine.events().opened(newFlowOffLoop(f, pi == null ? ProcessInfo.UNKNOWN : pi));
            engine.events().verdict(id, v, latency);
            return null;
        });
        flow = f;
        reportedToProvider = true;
        if (pending == null || v instanceof FinalVerdict.Allow || v instanceof FilterVerdict.FilterData) {
            apply(v);
            return;
        }
        // only an allowed flow gains from not waiting; a reset would let the client exit before it is attributed,
        // and a blocked or paused flow is the one whose process the user needs to see
        announced.whenComplete((x, e) -> client.eventLoop().execute(() -> apply(v)));
    }

    /** {@code f} with the process attributed later (any thread: reads only {@code f}). */
    private static TcpFlow newFlowOffLoop(TcpFlow f, ProcessInfo p) {
        return new TcpFlow(f.id(), f.direction(), f.local(), f.remote(), p, f.hostname(), f.interfaceName(),
                f.created());
    }

    private FilterVerdict ask(TcpFlow f) { return FlowDecision.ask(engine, f); }

    private static FilterVerdict safely(FilterDataProvider p, TcpFlow f) { return FlowDecision.safely(p, f); }

    /** Applies a verdict on the event loop. */
    private void apply(Verdict v) {
        if (state == State.CLOSED) return;
        switch (v) {
            case FinalVerdict.Allow a -> connect(0, 0);
            case FinalVerdict.Drop d -> drop(d.mode());
            case FilterVerdict.FilterData fd -> connect(fd.peekInboundBytes(), fd.peekOutboundBytes());
            case FilterVerdict.Pause p -> {
                state = State.PAUSED;
                engine.paused(this);
                timer = client.eventLoop().schedule(() -> {
                    if (engine.unpause(this)) {
                        engine.events().verdict(id, p.onTimeout(), 0);
                        apply(p.onTimeout());
                    }
                }, p.timeout().toNanos(), TimeUnit.NANOSECONDS);
            }
            case FilterVerdict.NeedRules nr -> apply(nr.fallback());
            default -> drop(DropMode.RESET);
        }
    }

    /** From {@link dev.netext.api.filter.FilterControl#resume}, any thread; the flow was removed from the paused set. */
    void resume(FilterVerdict v) {
        engine.events().verdict(id, v, 0);
        client.eventLoop().execute(() -> {
            if (timer != null) timer.cancel(false);
            if (state == State.PAUSED) apply(v);
        });
    }

    private void drop(DropMode mode) {
        if (mode == DropMode.RESET) {
            reset(client);
            return;
        }
        state = State.DISCARDING;
        prefix.clear();
        client.config().setAutoRead(true);
        timer = client.eventLoop().schedule(() -> reset(client), engine.config().silentDropHold().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private static void reset(Channel ch) {
        if (ch == null || !ch.isOpen()) return;
        if (ch instanceof EpollSocketChannel e) e.config().setSoLinger(0); // close sends RST
        ch.close();
    }

    /** An allowed flow: through the proxy chain (when there is one) to a proxy or direct. */
    private void connect(int peekInbound, int peekOutbound) {
        state = State.CONNECTING;
        if (engine.proxies().isEmpty()) {
            dial(null, peekInbound, peekOutbound);
            return;
        }
        // the walk sees the attributed process (apps: rules match on it) and its events follow the flow's opened and
        // verdict events, which a filter deciding without the process published only once attribution was done
        TcpFlow f = flow;
        CompletableFuture<?> announcedFirst = announced != null ? announced : CompletableFuture.completedFuture(null);
        announcedFirst.thenCombine(process.handle((pi, e) -> pi == null ? ProcessInfo.UNKNOWN : pi), (x, pi) -> pi)
                .thenApplyAsync(pi -> engine.proxies().route(newFlowOffLoop(f, pi), engine.events()), engine.deciders())
                .whenComplete((outcome, err) -> client.eventLoop().execute(() -> {
                    if (state != State.CONNECTING) return;
                    if (err != null) {
                        log.warn("flow {}: proxy walk failed: {}", id, err.toString());
                        reset(client);
                    } else if (outcome.reject() != null) {
                        drop(outcome.reject());
                    } else {
                        dial(outcome.proxy(), peekInbound, peekOutbound);
                    }
                }));
    }

    /**
     * Connects upstream with the bypass mark: to the original destination, or to {@code proxy}'s server followed by
     * its handshake (the tunnel then carries the flow exactly as a direct connection would, splice included).
     */
    private void dial(FlowProxy proxy, int peekInbound, int peekOutbound) {
        InetSocketAddress target = proxy == null ? (InetSocketAddress) client.localAddress()
                : proxy.server().address().toSocketAddress();
        Promise<Void> handshakeDone = client.eventLoop().newPromise();
        Bootstrap b = new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) engine.config().connectTimeout().toMillis())
                .option(EpollChannelOption.EPOLL_MODE, io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED)
                .handler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        if (proxy != null) ch.pipeline().addLast(HANDSHAKE, new HandshakeHandler(
                                proxy.server().handshakeFor(flow), handshakeDone, engine.config().connectTimeout()));
                        ch.pipeline().addLast(new Upstream());
                    }
                });
        b.connect(target).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (proxy != null) proxyFailed(proxy, f.cause());
                reset(client); // the client sees what it would have seen: the connection fails
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
                    proxyFailed(proxy, h.cause());
                    f.channel().close();
                    reset(client);
                } else if (state == State.CLOSED) {
                    f.channel().close();
                } else {
                    relay(f.channel(), peekInbound, peekOutbound);
                }
            });
        });
    }

    private void proxyFailed(FlowProxy proxy, Throwable cause) {
        String name = proxy.member().provider();
        log.debug("flow {} through proxy {}: {}", id, name, String.valueOf(cause));
        engine.events().message("proxy.failed", java.util.Map.of("proxy", name,
                "reason", cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage()), id);
    }

    /**
     * The upstream channel is ready for the flow's bytes: gates, held bytes, then relay or splice. When the verdict
     * came before attribution, the client's request is held (nothing relayed yet, so the client waits with its socket
     * open) until attribution is done or {@link #ATTRIBUTION_HOLD} passes: the upstream connect ran in parallel, and a
     * short-lived client (one curl) cannot finish and exit before its flow is named.
     */
    private void relay(Channel up, int peekInbound, int peekOutbound) {
        if (announced != null && !announced.isDone() && !heldForAttribution) {
            heldForAttribution = true;
            upstream = up;
            Runnable go = () -> {
                if (!relayStarted && state == State.CONNECTING) relay(up, peekInbound, peekOutbound);
            };
            ScheduledFuture<?> bound = client.eventLoop().schedule(go, ATTRIBUTION_HOLD.toNanos(), TimeUnit.NANOSECONDS);
            announced.whenComplete((x, e) -> {
                bound.cancel(false);
                client.eventLoop().execute(go);
            });
            return;
        }
        relayStarted = true;
        upstream = up;
        java.net.SocketAddress local = up.localAddress(), remote = up.remoteAddress();
        if (announced == null) engine.events().upstream(id, local, remote);
        else announced.thenRun(() -> engine.events().upstream(id, local, remote)); // after the late opened/verdict
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
        } catch (dev.netext.linux.LinuxException e) { // no pipe (fd limit): Netty's splice, with its own pipes
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

    private void spliceEnded(io.netty.util.concurrent.Future<? super Void> f) {
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
            engine.events().verdict(id, verdict, 0);
            reset(upstream);
            if (verdict.mode() == DropMode.RESET) reset(client);
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
                upstream.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((EpollSocketChannel) upstream).shutdownOutput());
                if (upstreamInputShut) client.close();
            } else if (state != State.PAUSED && state != State.DECIDING && state != State.PEEKING) {
                client.close();
            } else if (state == State.PEEKING) {
                decide();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.SPLICING && !spliceCounted) countFromTcpInfo(true);
        State was = state;
        state = State.CLOSED;
        if (timer != null) timer.cancel(false);
        if (was == State.PAUSED) engine.unpause(this);
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
        if (upstream != null) upstream.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                .addListener(ChannelFutureListener.CLOSE);
        if (reportedToProvider) {
            long in = bytesIn, out = bytesOut;
            if (announced == null) engine.events().closed(id, in, out);
            else announced.thenRun(() -> engine.events().closed(id, in, out));
            try {
                engine.provider().handleFlowClosed(flow, bytesIn, bytesOut);
            } catch (RuntimeException e) {
                log.debug("handleFlowClosed threw: {}", e.toString());
            }
        }
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
                client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((EpollSocketChannel) client).shutdownOutput());
                if (clientInputShut) ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (state == State.SPLICING && !spliceCounted) countFromTcpInfo(false);
            if (client.isOpen()) client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} upstream side: {}", id, cause.toString());
            reset(client);
            ctx.close();
        }
    }
}
