package dev.netext.flow.engine;

import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.flow.UdpFlow;
import dev.netext.flow.naming.FlowName;
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
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One intercepted UDP flow ("association"): the datagrams between one client address and port and one original
 * destination, from the first datagram until the flow has been idle for the idle timeout. In order:
 * <ol>
 *   <li>attribution starts at once on a decider thread (sock_diag UDP, while the client's socket exists);</li>
 *   <li>datagrams are held (bounded) while the namer reads them: a QUIC Initial is named by its SNI, possibly over
 *       several datagrams; anything else by the DNS map at once; the peek timeout bounds the wait;</li>
 *   <li>the settings, then the provider decide; a pause holds (bounded) and sends nothing;</li>
 *   <li>allowed: offered to the proxy chain ({@link ProxyWalk}) as a TCP flow is. A flow a SOCKS5 proxy claims is
 *       relayed through a UDP association of its own ({@link Socks5UdpAssociation}: the TCP control connection and
 *       the relay socket with the bypass mark, closed with the flow; datagrams addressed to the original IP, not the
 *       hostname, so the relay cannot re-resolve a QUIC connection onto another server mid-flow); a declined one
 *       goes direct;</li>
 *   <li>direct: an upstream socket (bypass mark) connected to the original destination; either way a <em>reply</em> socket
 *       bound to the original destination with IP_TRANSPARENT and connected to the client, so replies come from
 *       the address the client wrote to. Being connected, the reply socket is also where TPROXY's established-socket
 *       lookup delivers the client's later datagrams: the kernel demultiplexes the flow;</li>
 *   <li>dropped: every datagram of the flow is discarded until it has been idle for the timeout (asking again per
 *       datagram would let a retrying client hammer the filter). {@code DropMode.RESET} also answers with an ICMP
 *       port unreachable from the original destination ({@link PortUnreachable}; at most one a second per flow),
 *       as a closed port would, so a connected client fails at once; {@code SILENT} only discards.</li>
 * </ol>
 * All state lives on the event loop of the listener that saw the first datagram; the flow's channels share it.
 */
final class InterceptedUdpFlow {
    private static final Logger log = LoggerFactory.getLogger(InterceptedUdpFlow.class);
    /** Held while naming, deciding or paused; beyond either bound, datagrams are discarded (and counted). */
    static final int MAX_HELD_DATAGRAMS = 64, MAX_HELD_BYTES = 256 * 1024;
    /** Netty reads datagrams into 2 KiB by default and silently cuts larger ones: read up to the UDP maximum. */
    private static final io.netty.channel.RecvByteBufAllocator WHOLE_DATAGRAMS =
            new io.netty.channel.FixedRecvByteBufAllocator(65_536);

    private enum State { NAMING, DECIDING, PAUSED, CONNECTING, RELAYING, DROPPED, CLOSED }

    private final UdpInterceptor owner;
    private final FlowEngine engine;
    private final long id;
    private final InetSocketAddress client, original;
    private final EventLoop loop;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private final CryptoReassembler quic = new CryptoReassembler();
    private final CompletableFuture<ProcessInfo> process;
    private State state = State.NAMING;
    private int heldBytes;
    private long discarded;
    private FlowName name;
    private UdpFlow flow;
    private boolean reportedToProvider;
    private ScheduledFuture<?> peekTimer, pauseTimer, idleTimer;
    private Channel upstream, reply;
    private FlowProxy viaProxy;
    private Socks5UdpAssociation association;
    private Socks5Address relayTarget;
    private DatagramGate outbound, inbound;
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
        process = CompletableFuture.supplyAsync(() -> {
            try {
                return engine.attributor().attribute(TransportProtocol.UDP, client, original);
            } catch (Exception e) {
                return ProcessInfo.UNKNOWN;
            }
        }, engine.deciders());
        long peek = engine.config().peekTimeout().toNanos();
        peekTimer = loop.schedule(this::decide, peek, TimeUnit.NANOSECONDS);
        scheduleIdleCheck(engine.config().interception().udpIdleTimeout().toNanos());
    }

    long id() { return id; }

    InetSocketAddress client() { return client; }

    InetSocketAddress original() { return original; }

    /** Datagrams discarded because a bound was full (held while undecided) — for tests and accounting. */
    long discarded() { return discarded; }

    /** A datagram from the client (through the listener, or the reply socket once connected). Takes ownership. */
    void fromClient(ByteBuf data) {
        lastActive = System.nanoTime();
        switch (state) {
            case NAMING -> {
                hold(data);
                if (!held.isEmpty() && held.peekLast() == data) {
                    name = engine.namer().nameUdp(original.getAddress(), data.nioBuffer(), 0, data.readableBytes(), quic);
                    if (name.settled() || heldBytes >= Math.max(1, engine.config().peekMaxBytes())) decide();
                }
            }
            case DECIDING, PAUSED, CONNECTING -> hold(data); // never passed before the verdict
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

    /** Naming is over: build the flow, ask the settings and the provider off the event loop. */
    private void decide() {
        if (state != State.NAMING) return;
        state = State.DECIDING;
        if (peekTimer != null) peekTimer.cancel(false);
        FlowName n = name != null ? name : engine.namer().nameFromDns(original.getAddress());
        process.thenAcceptAsync(p -> {
            UdpFlow f = new UdpFlow(id, Direction.OUTBOUND, Endpoint.of(client), Endpoint.of(original), p,
                    n.hostname(), Optional.empty(), Instant.now());
            engine.events().opened(f);
            long t0 = System.nanoTime();
            FilterVerdict v = FlowDecision.ask(engine, f);
            engine.events().verdict(id, v, System.nanoTime() - t0);
            loop.execute(() -> {
                flow = f;
                reportedToProvider = true;
                apply(v);
            });
        }, engine.deciders());
    }

    /** Applies a verdict on the event loop. */
    private void apply(Verdict v) {
        if (state == State.CLOSED) return;
        switch (v) {
            case FinalVerdict.Allow a -> route(false, false);
            case FinalVerdict.Drop d -> dropAll(d.mode());
            case FilterVerdict.FilterData fd -> route(fd.filtersInbound(), fd.filtersOutbound());
            case FilterVerdict.Pause p -> {
                state = State.PAUSED;
                owner.paused(this);
                pauseTimer = loop.schedule(() -> {
                    if (owner.unpause(this)) {
                        engine.events().verdict(id, p.onTimeout(), 0);
                        apply(p.onTimeout());
                    }
                }, p.timeout().toNanos(), TimeUnit.NANOSECONDS);
            }
            case FilterVerdict.NeedRules nr -> apply(nr.fallback());
            default -> dropAll(DropMode.RESET);
        }
    }

    /** From {@link dev.netext.api.filter.FilterControl#resume}, any thread; the flow left the paused set. */
    void resume(FilterVerdict v) {
        engine.events().verdict(id, v, 0);
        loop.execute(() -> {
            if (pauseTimer != null) pauseTimer.cancel(false);
            if (state == State.PAUSED) apply(v);
        });
    }

    private void dropAll(DropMode mode) {
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

    /** An allowed flow: through the proxy chain (when there is one) to a proxy or direct; held until connected. */
    private void route(boolean watchInbound, boolean watchOutbound) {
        state = State.CONNECTING;
        if (engine.proxies().isEmpty()) {
            connect(null, watchInbound, watchOutbound);
            return;
        }
        UdpFlow f = flow;
        CompletableFuture.supplyAsync(() -> engine.proxies().route(f, engine.events()), engine.deciders())
                .whenComplete((outcome, err) -> loop.execute(() -> {
                    if (state != State.CONNECTING) return;
                    if (err != null) {
                        log.warn("flow {}: proxy walk failed: {}", id, err.toString());
                        dropAll(DropMode.RESET);
                    } else if (outcome.reject() != null) {
                        dropAll(outcome.reject());
                    } else {
                        connect(outcome.proxy(), watchInbound, watchOutbound);
                    }
                }));
    }

    private void connect(FlowProxy proxy, boolean watchInbound, boolean watchOutbound) {
        pendingSockets = 2; // the upstream (or association) and the reply socket
        outbound = new DatagramGate(watchOutbound, (off, data) -> engine.provider().handleOutboundData(flow, off, data));
        inbound = new DatagramGate(watchInbound, (off, data) -> engine.provider().handleInboundData(flow, off, data));
        SocketProtocolFamily family = original.getAddress() instanceof Inet6Address
                ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        if (proxy == null || proxy.server() instanceof ProxyServer.Hosted) {
            // direct, or to the loopback socket a hosted provider reads this flow's datagrams from
            Endpoint relay = proxy == null ? null
                    : ((ProxyServer.Hosted) proxy.server()).udpRelayFor().apply(id);
            if (proxy != null) viaProxy = proxy;
            if (proxy != null && relay == null) {
                proxyFailed(new IllegalStateException("no UDP relay for the flow at the proxy host"));
                relayFailed = true;
                pendingSockets--; // only the reply socket's outcome is still to come
            } else {
                ChannelFuture up = new Bootstrap().group(loop)
                        .channelFactory(() -> new EpollDatagramChannel(family))
                        .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
                        .handler(new FromUpstream())
                        .connect(relay == null ? original : relay.toSocketAddress());
                upstream = up.channel();
                up.addListener(f -> connected("upstream", f.cause()));
            }
        } else {
            // the other server that carries UDP (FlowProxy.handleNewFlow declines for the rest): SOCKS5
            ProxyServer.Socks5 socks = (ProxyServer.Socks5) proxy.server();
            viaProxy = proxy;
            relayTarget = Socks5Address.of(Endpoint.of(original));
            Socks5UdpAssociation.open(loop, socks.address(), socks.credentials(), InterceptionConfig.DEFAULT_BYPASS_MARK,
                    engine.config().connectTimeout(), this::fromRelay).addListener(f -> {
                        Socks5UdpAssociation a = f.isSuccess() ? (Socks5UdpAssociation) f.getNow() : null;
                        if (a != null) {
                            if (state != State.CONNECTING) { // closed meanwhile
                                a.close();
                                return;
                            }
                            association = a;
                            a.closeFuture().addListener(c -> close()); // the server ended the association
                        } else {
                            proxyFailed(f.cause());
                        }
                        connected("proxy " + proxy.member().provider(), f.cause());
                    });
        }
        // bound to the original destination (non-local: IP_TRANSPARENT), connected to the client; other flows to
        // the same destination bind the same address, hence SO_REUSEADDR
        ChannelFuture back = new Bootstrap().group(loop)
                .channelFactory(() -> new EpollDatagramChannel(family))
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
                .handler(new FromClient())
                .connect(client, original);
        reply = back.channel();
        back.addListener(f -> connected("reply", f.cause()));
    }

    /** One relay socket is ready (or failed); the held datagrams go once both are. */
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
        state = State.RELAYING;
        // a direct flow's upstream leg (capture --flow follows it); a proxied one goes through the association instead
        if (upstream != null) engine.events().upstream(id, upstream.localAddress(), upstream.remoteAddress());
        while (!held.isEmpty()) sendUpstream(held.poll());
        heldBytes = 0;
        flushUpstream();
    }

    private void proxyFailed(Throwable cause) {
        String name = viaProxy.member().provider();
        log.debug("flow {} through proxy {}: {}", id, name, String.valueOf(cause));
        engine.events().message("proxy.failed", java.util.Map.of("proxy", name,
                "reason", cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage()), id);
    }

    private void flushUpstream() {
        if (upstream != null) upstream.flush(); // the association sends each datagram at once
    }

    /** A datagram the SOCKS5 relay forwarded; only the original destination's, as on a connected direct socket. */
    private void fromRelay(Socks5UdpDatagram d) {
        if (!d.address().equals(relayTarget)) return;
        fromUpstream(Unpooled.copiedBuffer(d.payload()));
        if (reply != null) reply.flush();
    }

    private void sendUpstream(ByteBuf data) {
        switch (outbound.offer(data.nioBuffer())) {
            case PASS -> {
                bytesOut += data.readableBytes();
                if (association != null) {
                    association.send(relayTarget, data.nioBuffer()); // copies the payload behind the SOCKS header
                    data.release();
                } else {
                    upstream.write(data, upstream.voidPromise()); // flushed at the end of the read burst (sendmmsg)
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
        lastActive = System.nanoTime();
        if (state != State.RELAYING) {
            data.release();
            return;
        }
        switch (inbound.offer(data.nioBuffer())) {
            case PASS -> {
                bytesIn += data.readableBytes();
                reply.write(data, reply.voidPromise());
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
        engine.events().verdict(id, verdict, 0);
        dropAll(verdict.mode());
        if (resetting && clientDatagram != null) unreachable(clientDatagram);
    }

    private void scheduleIdleCheck(long inNanos) {
        idleTimer = loop.schedule(() -> {
            long idle = engine.config().interception().udpIdleTimeout().toNanos();
            long left = lastActive + idle - System.nanoTime();
            // a flow being decided, paused or still connecting (a proxy's UDP association under load can take longer
            // than the idle time) is waiting for the filter or its upstream, not idle
            if (state == State.DECIDING || state == State.PAUSED || state == State.CONNECTING || left > 0)
                scheduleIdleCheck(Math.max(left, idle / 4));
            else close();
        }, inNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends the flow (idle, relay failure, engine stop): channels closed, held data released, closed reported. */
    void close() {
        if (state == State.CLOSED) return;
        State was = state;
        state = State.CLOSED;
        for (ScheduledFuture<?> t : new ScheduledFuture<?>[]{peekTimer, pauseTimer, idleTimer}) if (t != null) t.cancel(false);
        if (was == State.PAUSED) owner.unpause(this);
        releaseHeld();
        closeChannels();
        owner.removed(this);
        if (reportedToProvider) {
            engine.events().closed(id, bytesIn, bytesOut);
            try {
                engine.provider().handleFlowClosed(flow, bytesIn, bytesOut);
            } catch (RuntimeException e) {
                log.debug("handleFlowClosed threw: {}", e.toString());
            }
        }
    }

    private void releaseHeld() {
        ByteBuf b;
        while ((b = held.poll()) != null) b.release();
        heldBytes = 0;
    }

    private void closeChannels() {
        if (upstream != null) upstream.close();
        if (association != null) association.close();
        if (reply != null) reply.close();
    }

    /** The client's later datagrams, delivered by TPROXY to the connected reply socket. */
    private final class FromClient extends SimpleChannelInboundHandler<DatagramPacket> {
        FromClient() { super(false); }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            clientBurst = true;
            fromClient(packet.content());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            clientBurst = false;
            if (state == State.RELAYING) flushUpstream();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} reply socket: {}", id, cause.toString()); // e.g. ECONNREFUSED: the client's socket is gone
        }
    }

    /** The original destination's answers, sent on to the client from the original destination's address. */
    private final class FromUpstream extends SimpleChannelInboundHandler<DatagramPacket> {
        FromUpstream() { super(false); }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            fromUpstream(packet.content());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (reply != null) reply.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("flow {} upstream socket: {}", id, cause.toString()); // ICMP errors on the connected socket
        }
    }
}
