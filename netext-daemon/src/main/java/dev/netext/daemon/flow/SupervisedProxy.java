package dev.netext.daemon.flow;

import dev.netext.api.EventSink;
import dev.netext.api.path.PathEvent;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.DropMode;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxiedTcpFlow;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyContext;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.proxy.ProxyRules;
import dev.netext.api.proxy.TcpConnection;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.HostedHandshake;
import dev.netext.flow.proxy.MarkedTcpConnection;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.linux.tproxy.InterceptionConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A custom proxy provider class (a profile's {@code proxies: - { type: com.example.MyProxy, settings: {…} }}) in the
 * flow engine's chain, isolated as {@link SupervisedFilter} isolates a filter:
 * <pre>
 *  engine's ProxyWalk ─▶ handleNewFlow (the instance's executor: virtual threads, the plugin's loader; ≤ 10 s)
 *     claim ─▶ a random 128-bit token recorded for the flow
 *  engine dials this host's loopback listener (bypass mark) and sends the token ({@link HostedHandshake})
 *  host (a virtual thread per connection): token → flow → one ACCEPTED byte → provider.handleTcpFlow(flow)
 *     where the ProxiedTcpFlow is the blocking loopback socket: the engine relays (or splices) the client's
 *     bytes to it exactly as to any proxy server, so the provider never touches an intercepted socket
 *     returns ─▶ the flow is closed (FIN); throws ─▶ the flow is reset, proxy.failed for it, and the instance
 *     crashed: ProviderFailed, stopProxy, a fresh instance after RestartPolicy.delay(attempt) (ProviderRestarted)
 * </pre>
 * The provider reaches its upstreams through {@link ProxyContext#openTcp}: a {@link MarkedTcpConnection} with the
 * bypass mark, created on this host's event loop (so in the engine's network namespace). While no instance serves
 * (crashed, restarting) the proxy declines, so flows go on to the next proxy or direct. Flows other instances carry
 * run on; a crash ends only the flow that threw. TCP only: UDP flows are declined without asking the provider.
 * Create it with {@link #start} on a thread inside the namespace the engine serves.
 */
public final class SupervisedProxy implements FlowProxy, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProxy.class);
    /** How long handleNewFlow may take before it counts as hung (a crash). */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** How long startProxy and stopProxy may take. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** A claim the engine has not handed over within this time is forgotten (its dial failed). */
    private static final long CLAIM_TTL_NANOS = Duration.ofSeconds(60).toNanos();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private record Claim(byte[] token, TcpFlow flow, long atNanos) {}

    private final String profile;
    private final ProxyChain.Member member;
    private final int chainIndex;
    private final ResolvedPlugin<ProxyProvider> plugin;
    private final Map<String, Object> settings;
    private final RestartPolicy policy;
    private final EventSink events;
    private final AtomicLong sequence = new AtomicLong();
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Long, Claim> claims = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, LoopbackUdpFlow> udpClaims = new ConcurrentHashMap<>();
    private final ServerSocketChannel listener;
    private final ProxyServer.Hosted server;
    private final EventLoopGroup io;
    private final ScheduledExecutorService supervisor;

    private volatile Instance current; // null while crashed or restarting: flows are declined
    private int attempt;
    private long restarts;
    private String lastError;
    private boolean stopped;

    private SupervisedProxy(String profile, ProxyChain.Member member, int chainIndex, ResolvedPlugin<ProxyProvider> plugin,
                            Map<String, Object> settings, RestartPolicy policy, EventSink events) throws IOException {
        this.profile = profile;
        this.member = member;
        this.chainIndex = chainIndex;
        this.plugin = plugin;
        this.settings = settings == null ? Map.of() : Map.copyOf(settings);
        this.policy = policy;
        this.events = events == null ? EventSink.discard() : events;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.server = new ProxyServer.Hosted(Endpoint.of((InetSocketAddress) listener.getLocalAddress()), id -> {
            Claim c = claims.get(id);
            return c == null ? null : c.token();
        }, id -> {
            LoopbackUdpFlow f = udpClaims.get(id);
            return f == null ? null : f.address();
        });
        this.io = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            io.submit(() -> { }).sync(); // its thread starts here, in the caller's network namespace
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting the proxy host", e);
        }
        this.supervisor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("netext-proxy-supervisor-" + member.provider()).daemon(true).factory());
    }

    /**
     * Binds the host's loopback listener and starts the provider (a failing start is a crash like any other:
     * reported and retried). Call on a thread inside the engine's network namespace.
     *
     * @param profile    the profile's name, for logs
     * @param chainIndex the member's position in the profile's chain
     */
    public static SupervisedProxy start(String profile, ProxyChain.Member member, int chainIndex,
                                        ResolvedPlugin<ProxyProvider> plugin, Map<String, Object> settings,
                                        RestartPolicy policy, EventSink events) throws IOException {
        SupervisedProxy p = new SupervisedProxy(profile, member, chainIndex, plugin, settings, policy, events);
        Thread.ofVirtual().name("netext-proxy-accept-" + member.provider()).start(p::acceptLoop);
        p.launch(0);
        return p;
    }

    @Override public ProxyChain.Member member() { return member; }

    @Override public ProxyServer server() { return server; }

    /** Restarts so far. */
    public synchronized long restarts() { return restarts; }

    /** The last crash, or null. */
    public synchronized String lastError() { return lastError; }

    /** True while an instance is serving. */
    public boolean serving() { return current != null; }

    @Override
    public ClaimDecision handleNewFlow(Flow flow) {
        Instance i = current;
        if (i == null) return ClaimDecision.DECLINE;
        ClaimDecision d = i.call(() -> i.provider.handleNewFlow(flow), "handleNewFlow");
        if (i.crashed) return new ClaimDecision.Reject(DropMode.RESET); // it threw on this flow: this flow fails
        if (!(d instanceof ClaimDecision.Claim)) return d == null ? ClaimDecision.DECLINE : d;
        if (flow instanceof dev.netext.api.flow.UdpFlow udp) {
            // the engine relays the flow's datagrams to a loopback socket of its own, which the provider reads
            LoopbackUdpFlow f;
            try {
                f = LoopbackUdpFlow.open(udp, udpIdleTimeout());
            } catch (IOException e) {
                LOG.warn("proxy {}: no loopback socket for UDP flow {}: {}", member.provider(), flow.id(), e.toString());
                return new ClaimDecision.Reject(DropMode.RESET);
            }
            udpClaims.put(flow.id(), f);
            i.carryUdp(f, () -> udpClaims.remove(flow.id(), f));
            return d;
        }
        TcpFlow tcp = (TcpFlow) flow;
        long now = System.nanoTime();
        claims.values().removeIf(c -> now - c.atNanos() > CLAIM_TTL_NANOS);
        byte[] token = new byte[HostedHandshake.TOKEN_BYTES];
        random.nextBytes(token);
        claims.put(flow.id(), new Claim(token, tcp, now));
        return d;
    }

    // ---- the engine's connections ----

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                if (listener.isOpen()) LOG.warn("proxy {}: accept failed: {}", member.provider(), e.toString());
                return;
            }
            Thread.ofVirtual().name("netext-proxy-handover-" + member.provider()).start(() -> handOver(ch));
        }
    }

    /** Matches the engine's token to a claim and gives the connection to the provider as that flow. */
    private void handOver(SocketChannel ch) {
        Claim claim = null;
        try {
            ch.socket().setSoTimeout(5000);
            InputStream in = ch.socket().getInputStream();
            byte[] token = in.readNBytes(HostedHandshake.TOKEN_BYTES);
            ch.socket().setSoTimeout(0);
            for (var e : claims.entrySet())
                if (token.length == HostedHandshake.TOKEN_BYTES && MessageDigest.isEqual(e.getValue().token(), token)
                        && claims.remove(e.getKey(), e.getValue())) {
                    claim = e.getValue();
                    break;
                }
        } catch (IOException e) {
            LOG.debug("proxy {}: hand-over failed: {}", member.provider(), e.toString());
        }
        Instance i = current;
        if (claim == null || i == null) {
            LoopbackFlow.abort(ch); // no such claim, or the provider went down meanwhile: the engine resets the client
            return;
        }
        LoopbackFlow flow = new LoopbackFlow(ch, claim.flow());
        try {
            ch.write(ByteBuffer.wrap(new byte[]{HostedHandshake.ACCEPTED}));
        } catch (IOException e) {
            flow.abort();
            return;
        }
        i.carry(flow);
    }

    // ---- lifecycle ----

    private void launch(int restartAttempt) {
        synchronized (this) {
            if (stopped) return;
        }
        Instance i;
        try {
            i = new Instance();
            i.start();
        } catch (Throwable t) {
            if (t instanceof InterruptedException) Thread.currentThread().interrupt();
            crashed(null, t);
            return;
        }
        boolean keep;
        synchronized (this) {
            keep = !stopped && !i.crashed;
            if (keep) {
                current = i;
                if (restartAttempt > 0) restarts++;
            }
        }
        if (!keep) {
            i.stop(StopReason.USER_INITIATED);
            return;
        }
        LOG.info("proxy {}: {} ({}) started{}", member.provider(), plugin.type().getName(), plugin.origin(),
                restartAttempt > 0 ? " again, attempt " + restartAttempt : "");
        if (restartAttempt > 0) publish((s, t) -> new ProviderEvent.ProviderRestarted(s, t, member.provider(), restartAttempt));
    }

    /** An instance (or a start: {@code i} null) failed: report, stop it, schedule a fresh one. Counts once per instance. */
    private void crashed(Instance i, Throwable error) {
        int next;
        boolean willRestart;
        String message = describe(error);
        synchronized (this) {
            if (i != null) {
                if (i.crashed) return;
                i.crashed = true;
            }
            if (stopped) return;
            if (i != null && current == i) current = null;
            attempt = i != null && i.startedNanos != 0
                    && System.nanoTime() - i.startedNanos >= policy.stableAfter().toNanos() ? 1 : attempt + 1;
            next = attempt;
            willRestart = policy.gives(next);
            lastError = message;
        }
        LOG.warn("proxy {}: provider {} failed{}: {}", member.provider(), plugin.type().getName(),
                willRestart ? ", restarting in " + policy.delay(next).toMillis() + " ms" : ", not restarted", message);
        publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, member.provider(), rootOf(error).getClass().getSimpleName(),
                message, willRestart));
        try {
            if (i != null) supervisor.execute(() -> i.stop(StopReason.PROVIDER_FAILED));
            if (willRestart) supervisor.schedule(() -> launch(next), policy.delay(next).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (i != null) i.stop(StopReason.SHUTDOWN);
        }
    }

    /** Stops the provider (stopProxy; flows it still carries are then closed) and the listener. */
    @Override
    public void close() {
        Instance i;
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            i = current;
            current = null;
        }
        supervisor.shutdownNow();
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("proxy {}: listener close: {}", member.provider(), e.toString());
        }
        if (i != null) i.stop(StopReason.USER_INITIATED);
        claims.clear();
        udpClaims.values().forEach(LoopbackUdpFlow::close);
        udpClaims.clear();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void publish(dev.netext.daemon.events.EventStamp stamp) {
        try {
            events.accept(stamp.make(sequence.incrementAndGet(), System.nanoTime()));
        } catch (RuntimeException e) {
            LOG.warn("proxy {}: event not published: {}", member.provider(), e.toString());
        }
    }

    private static Throwable rootOf(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(Throwable t) {
        Throwable r = rootOf(t);
        return r.getMessage() == null ? r.toString() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    /** One provider instance with the executor its calls and flows run on. */
    private final class Instance {
        final ExecutorService executor;
        final ProxyProvider provider;
        volatile boolean crashed;
        volatile long startedNanos;

        Instance() throws Exception {
            ClassLoader loader = plugin.classLoader();
            java.util.concurrent.ThreadFactory base = Thread.ofVirtual().name("netext-proxy-" + member.provider() + "-", 0).factory();
            this.executor = Executors.newThreadPerTaskExecutor(r -> {
                Thread t = base.newThread(r);
                if (loader != null) t.setContextClassLoader(loader);
                return t;
            });
            // the constructor is plugin code too: on the plugin's loader, never on the engine's threads
            this.provider = bounded(plugin::create, START_TIMEOUT, "constructor");
        }

        void start() throws Exception {
            ProxyContext context = new HostContext(this);
            bounded(() -> {
                provider.startProxy(context, settings);
                return null;
            }, START_TIMEOUT, "startProxy");
            startedNanos = System.nanoTime();
        }

        private <T> T bounded(Callable<T> c, Duration timeout, String what) throws Exception {
            Future<T> f = executor.submit(c);
            try {
                return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                executor.shutdownNow();
                throw new IllegalStateException(what + " threw " + describe(e.getCause()), e.getCause());
            } catch (TimeoutException e) {
                f.cancel(true);
                executor.shutdownNow();
                throw new IllegalStateException(what + " did not return within " + timeout.toMillis() + " ms");
            }
        }

        /** A call on a decider thread: a throw or a timeout crashes the instance, and the answer is then null. */
        <T> T call(Callable<T> c, String what) {
            if (crashed) return null;
            Future<T> f;
            try {
                f = executor.submit(c);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return null;
            }
            try {
                return f.get(CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                crashed(this, new IllegalStateException(what + " threw " + describe(e.getCause()), e.getCause()));
            } catch (TimeoutException e) {
                f.cancel(true);
                crashed(this, new IllegalStateException(what + " did not return within " + CALL_TIMEOUT.toMillis() + " ms"));
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
            }
            return null;
        }

        /** handleUdpFlow on a thread of its own; returning closes the flow's socket, throwing also crashes the instance. */
        void carryUdp(LoopbackUdpFlow flow, Runnable done) {
            try {
                executor.execute(() -> {
                    try {
                        provider.handleUdpFlow(flow);
                    } catch (Throwable t) {
                        publish((s, n) -> new ProviderEvent.ProviderMessage(s, n, member.provider(), flow.flow().id(),
                                "proxy.failed", Map.of("proxy", member.provider(), "reason", "handleUdpFlow threw " + describe(t))));
                        crashed(this, new IllegalStateException("handleUdpFlow threw " + describe(t), t));
                    } finally {
                        flow.close();
                        done.run();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                flow.close();
                done.run();
            }
        }

        /** handleTcpFlow on a thread of its own; returning closes the flow, throwing resets it and crashes the instance. */
        void carry(LoopbackFlow flow) {
            try {
                executor.execute(() -> {
                    try {
                        provider.handleTcpFlow(flow);
                        flow.close();
                    } catch (Throwable t) {
                        flow.abort();
                        publish((s, n) -> new ProviderEvent.ProviderMessage(s, n, member.provider(), flow.flow().id(),
                                "proxy.failed", Map.of("proxy", member.provider(), "reason", "handleTcpFlow threw " + describe(t))));
                        crashed(this, new IllegalStateException("handleTcpFlow threw " + describe(t), t));
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                flow.abort();
            }
        }

        void spawn(String name, ThrowingRunnable loop) {
            executor.execute(() -> {
                try {
                    loop.run();
                } catch (Throwable t) {
                    crashed(this, new IllegalStateException("loop " + name + " threw " + describe(t), t));
                }
            });
        }

        /** stopProxy (bounded); the executor then takes no new work, while flows it carries run to their end. */
        void stop(StopReason reason) {
            try {
                if (startedNanos != 0) executor.submit(() -> {
                    provider.stopProxy(reason);
                    return null;
                }).get(START_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                LOG.warn("proxy {}: stopProxy threw {}", member.provider(), describe(e.getCause()));
            } catch (TimeoutException | java.util.concurrent.RejectedExecutionException e) {
                LOG.warn("proxy {}: stopProxy did not finish: {}", member.provider(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (reason == StopReason.PROVIDER_FAILED) executor.shutdown(); // other flows run on
                else executor.shutdownNow();
            }
        }
    }

    /** What the host gives one instance. */
    private final class HostContext implements ProxyContext {
        private final Instance instance;

        HostContext(Instance instance) { this.instance = instance; }

        @Override public String name() { return member.provider(); }

        @Override public ProviderKind kind() { return member.kind(); }

        @Override public void log(String message) { LOG.info("proxy {} ({}): {}", member.provider(), profile, message); }

        @Override
        public void publish(String type, Map<String, String> attributes, long flowId) {
            SupervisedProxy.this.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, member.provider(), flowId, type,
                    attributes == null ? Map.of() : Map.copyOf(attributes)));
        }

        @Override public int bypassMark() { return InterceptionConfig.DEFAULT_BYPASS_MARK; }

        @Override public void spawn(String name, ThrowingRunnable loop) { instance.spawn(name, loop); }

        /** Path changes are not delivered to proxies yet. */
        @Override public void onPathChange(Consumer<PathEvent> listener) { }

        @Override public void cancel(Throwable error) {
            crashed(instance, error == null ? new IllegalStateException("cancelled by the provider") : error);
        }

        @Override public ProxyRules rules() { return member.rules(); }

        @Override public void setRules(ProxyRules rules) {
            throw new UnsupportedOperationException("a profile proxy's rules come from its profile (include/exclude/apps)");
        }

        @Override public int chainIndex() { return chainIndex; }

        /** Chaining behind a hosted proxy is not offered yet: its upstreams skip every proxy, as the bypass mark does. */
        @Override public int upstreamMark() { return InterceptionConfig.DEFAULT_BYPASS_MARK; }

        @Override
        public dev.netext.api.proxy.UdpSession openUdp(String host, int port) throws IOException {
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
            return dev.netext.flow.proxy.MarkedUdpSession.open(io.next(),
                    new InetSocketAddress(InetAddress.getByName(host), port), bypassMark());
        }

        @Override
        public TcpConnection openTcp(String host, int port) throws IOException {
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
            InetAddress address = InetAddress.getByName(host);
            return MarkedTcpConnection.connect(io.next(), new InetSocketAddress(address, port), bypassMark(), CONNECT_TIMEOUT);
        }
    }

    /**
     * A claimed UDP flow as the provider sees it: a loopback socket the engine relays the flow's datagrams to (from its
     * upstream socket, connected here) and takes the answers from, which it passes on from the original destination.
     * {@code receive} ends (empty) after the idle timeout without a datagram, or once closed.
     */
    private static final class LoopbackUdpFlow implements dev.netext.api.proxy.ProxiedUdpFlow {
        private final java.net.DatagramSocket socket;
        private final dev.netext.api.flow.UdpFlow flow;
        private final Endpoint address;
        private volatile java.net.SocketAddress engine; // the engine's upstream socket, learned from its first datagram

        private LoopbackUdpFlow(java.net.DatagramSocket socket, dev.netext.api.flow.UdpFlow flow) {
            this.socket = socket;
            this.flow = flow;
            this.address = Endpoint.of((InetSocketAddress) socket.getLocalSocketAddress());
        }

        static LoopbackUdpFlow open(dev.netext.api.flow.UdpFlow flow, Duration idle) throws IOException {
            java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idle.toMillis())));
            return new LoopbackUdpFlow(s, flow);
        }

        Endpoint address() { return address; }

        @Override public Flow flow() { return flow; }

        @Override public Endpoint originalDestination() { return flow.remote(); }

        @Override public Optional<HostnameInfo> hostname() { return flow.hostname(); }

        @Override
        public Optional<dev.netext.api.proxy.Datagram> receive() throws IOException {
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[65_536], 65_536);
            while (true) {
                try {
                    socket.receive(p);
                } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                    return Optional.empty(); // idle past the timeout, or closed
                }
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                if (!from.getAddress().isLoopbackAddress()) continue;
                if (engine == null) engine = from;
                else if (!engine.equals(from)) continue; // only the engine's socket for this flow
                return Optional.of(new dev.netext.api.proxy.Datagram(flow.remote(),
                        ByteBuffer.wrap(p.getData(), 0, p.getLength())));
            }
        }

        @Override
        public void send(dev.netext.api.proxy.Datagram datagram) throws IOException {
            java.net.SocketAddress to = engine;
            if (to == null) throw new IOException("flow " + flow.id() + ": nothing received yet, so no way back to the application");
            ByteBuffer b = datagram.payload().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            socket.send(new java.net.DatagramPacket(bytes, bytes.length, to));
        }

        @Override public void close() { socket.close(); }

        @Override public void abort() { socket.close(); }
    }

    /** The flow's idle timeout, for a claimed UDP flow's receive (the engine's default). */
    private static Duration udpIdleTimeout() {
        return dev.netext.flow.engine.InterceptionOptions.DEFAULT.udpIdleTimeout();
    }

    /** A claimed flow as the provider sees it: the engine's loopback connection, blocking. */
    private static final class LoopbackFlow implements ProxiedTcpFlow {
        private final SocketChannel ch;
        private final TcpFlow flow;

        LoopbackFlow(SocketChannel ch, TcpFlow flow) {
            this.ch = ch;
            this.flow = flow;
        }

        @Override public Flow flow() { return flow; }

        @Override public Endpoint originalDestination() { return flow.remote(); }

        @Override public Optional<HostnameInfo> hostname() { return flow.hostname(); }

        @Override public int read(ByteBuffer dst) throws IOException { return ch.read(dst); }

        @Override
        public void write(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) ch.write(src);
        }

        @Override public void shutdownOutput() throws IOException { ch.shutdownOutput(); }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("flow {}: close: {}", flow.id(), e.toString());
            }
        }

        @Override public void abort() { abort(ch); }

        /** Closes with SO_LINGER 0: a reset, which the engine passes on to the client. */
        static void abort(SocketChannel ch) {
            try {
                if (ch.isOpen()) ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                ch.close();
            } catch (IOException e) {
                LOG.debug("abort: {}", e.toString());
            }
        }
    }
}
