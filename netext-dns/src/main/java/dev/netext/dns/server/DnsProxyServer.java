package dev.netext.dns.server;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsFlowHandler;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsServerGroup;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.StopReason;
import dev.netext.dns.cache.DnsCache;
import dev.netext.dns.names.AddressNameMap;
import dev.netext.dns.intercept.DnsInterception;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerGroup;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.dns.upstream.UpstreamFactory;
import dev.netext.dns.upstream.UpstreamIo;
import dev.netext.dns.upstream.UpstreamServer;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.QueryView;
import dev.netext.dns.wire.ResponseView;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The DNS proxy provider host: listens on UDP and TCP, runs a {@link DnsProxyProvider} on every query and does the
 * wire work around its decisions — upstream groups with failover, the answer cache, truncation, the address → name
 * map and the query events.
 *
 * <p>A provider that also implements {@link DnsFlowHandler} is offered every new flow first ({@link RawFlows}); the
 * flows it claims bypass all of the above, message by message.
 *
 * <p>Threads: {@code ioThreads} Netty epoll event loops carry everything: each listen address has one UDP socket per
 * loop (SO_REUSEPORT spreads clients across them, so both cores answer), one TCP listener, and the upstream sockets.
 * Providers that may block run on virtual threads.
 */
public final class DnsProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsProxyServer.class);
    /** Datagrams read per recvmmsg call and the largest query datagram accepted over UDP. */
    static final int DATAGRAMS_PER_READ = 16;
    static final int MAX_UDP_QUERY = 4096;

    private final DnsServerConfig config;
    private final DnsProxyProvider provider;
    private final String name;
    private final EventLoopGroup loops;
    private final UpstreamFactory factory;
    private final Map<String, ServerGroup> groups = new ConcurrentHashMap<>();
    private final AtomicInteger groupIds = new AtomicInteger();
    private final DnsCache cache;
    private final AddressNameMap names;
    private final ClientAcl acl;
    private final ClientRateLimiter limiter;
    private final DnsServerStats stats = new DnsServerStats();
    private final LongSupplier flowIds;
    private final ExecutorService providerThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final QueryProcessor processor;
    private final QueryEvents events;
    /** Whether queries get their process attributed: someone reads events, or a typed provider decides. */
    private final boolean attributes;
    private final ClientProcesses processes; // null unless attributes
    private final HoldBound hold; // null: answers are never held
    private final RawFlows rawFlows; // null unless the provider is a DnsFlowHandler
    private final List<Channel> channels = new ArrayList<>();
    private final List<InetSocketAddress> udpBound = new ArrayList<>();
    private final List<InetSocketAddress> tcpBound = new ArrayList<>();
    private final Set<String> reportedUnknownGroups = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final CompletableFuture<Throwable> ended = new CompletableFuture<>(); // why it ended; null: closed
    private DnsInterception interception; // set once in start

    private DnsProxyServer(DnsServerConfig config, DnsProxyProvider provider, String name, EventSink sink,
                           LongSupplier flowIds) {
        this.config = config;
        this.flowIds = flowIds;
        this.provider = provider;
        this.name = name;
        this.loops = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("netext-dns-" + name, true),
                EpollIoHandler.newFactory());
        this.factory = new UpstreamFactory(new UpstreamIo(loops, config.bypassMark()), config.resolvConf(),
                Set.copyOf(config.listen()), System::nanoTime, config.tlsCaFile());
        this.cache = config.cacheEntries() > 0
                ? new DnsCache(config.cacheEntries(), config.cacheBytes(), config.maxTtl(), config.serveStale(), config.staleSeconds(), System::nanoTime)
                : null;
        this.names = new AddressNameMap(config.nameMapEntries(), System::nanoTime);
        this.acl = ClientAcl.localPlus(config.allow());
        this.limiter = new ClientRateLimiter(config.rateLimitQps(), config.rateLimitBurst(), System::nanoTime);
        this.processor = new QueryProcessor(this, provider, providerThreads);
        this.events = new QueryEvents(this, name, sink, new AtomicLong());
        this.attributes = sink != null || !(provider instanceof SplitDnsProvider);
        // opened here, on the starting thread: sock_diag answers for the network namespace the listeners are in
        this.processes = attributes ? ClientProcesses.open(name, System::nanoTime) : null;
        this.hold = HoldBound.of(config.attributionHoldMillis(), processes);
        this.rawFlows = provider instanceof DnsFlowHandler h ? new RawFlows(this, h, providerThreads, System::nanoTime) : null;
    }

    /**
     * Creates the server groups, starts the provider and binds the listeners.
     *
     * @param sink where query events go; null publishes none
     */
    public static DnsProxyServer start(DnsServerConfig config, DnsProxyProvider provider, String name, EventSink sink)
            throws Exception {
        return start(config, provider, name, sink, new AtomicLong()::incrementAndGet);
    }

    /**
     * As {@link #start(DnsServerConfig, DnsProxyProvider, String, EventSink)}, with the queries' flow ids from
     * {@code flowIds} (positive, never repeated): a host that also runs a flow engine shares one counter, so a flow id
     * names one flow in the whole event log.
     */
    public static DnsProxyServer start(DnsServerConfig config, DnsProxyProvider provider, String name, EventSink sink,
                                       LongSupplier flowIds) throws Exception {
        DnsProxyServer s = new DnsProxyServer(config, provider, name, sink, flowIds);
        try {
            for (var e : config.groups().entrySet()) s.addServerGroup(e.getKey(), e.getValue(), config.trustedGroups().contains(e.getKey()));
            if (provider instanceof SplitDnsProvider split) {
                for (SplitRule r : split.rules())
                    if (r.decision() instanceof DnsDecision.Forward f && !s.groups.containsKey(f.serverGroup()))
                        throw new IllegalArgumentException("rule " + r.label() + " names server group '" + f.serverGroup()
                                + "', which is not declared (declared: " + String.join(", ", config.groups().keySet()) + ")");
                split.onChange(s::clearCache);
            }
            provider.startProxy(s.new HostContext(), Map.of());
            for (Endpoint e : config.listen()) s.bind(e);
            if (config.intercept()) {
                s.interception = DnsInterception.start(s.udpBound, config.bypassMark(), config.ledgerDir());
                log.info("intercepting port-53 traffic of this network namespace (nft table {} {})", DnsInterception.FAMILY, DnsInterception.TABLE);
            }
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private void bind(Endpoint endpoint) throws IOException, InterruptedException {
        InetSocketAddress addr = endpoint.toSocketAddress();
        for (int attempt = 0; ; attempt++) {
            List<Channel> mine = new ArrayList<>();
            try {
                Channel first = udp(addr);
                mine.add(first);
                InetSocketAddress actual = (InetSocketAddress) first.localAddress();
                for (int i = 1; i < config.ioThreads(); i++) mine.add(udp(actual));
                Channel tcp = tcp(actual);
                mine.add(tcp);
                channels.addAll(mine);
                udpBound.add(actual);
                tcpBound.add((InetSocketAddress) tcp.localAddress());
                log.info("listening on {} (udp × {}, tcp)", Endpoint.of(actual), config.ioThreads());
                return;
            } catch (IOException | RuntimeException e) {
                for (Channel c : mine) c.close().await();
                // an ephemeral UDP port whose TCP twin is taken: pick another; a fixed port is the user's to fix
                if (addr.getPort() != 0 || attempt >= 5)
                    throw new IOException("cannot listen on " + endpoint + ": " + e.getMessage(), e);
            }
        }
    }

    private Channel udp(InetSocketAddress addr) throws IOException, InterruptedException {
        var f = new Bootstrap().group(loops).channel(EpollDatagramChannel.class)
                .option(UnixChannelOption.SO_REUSEPORT, true)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_UDP_QUERY)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY * DATAGRAMS_PER_READ))
                .handler(new UdpQueryHandler(this))
                .bind(addr).await();
        if (!f.isSuccess()) throw new IOException(f.cause().getMessage(), f.cause());
        return f.channel();
    }

    private Channel tcp(InetSocketAddress addr) throws IOException, InterruptedException {
        var f = new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, 10, TimeUnit.SECONDS),
                                new LengthFieldBasedFrameDecoder(DnsWire.MAX_MESSAGE + DnsWire.TCP_LENGTH_PREFIX, 0,
                                        DnsWire.TCP_LENGTH_PREFIX, 0, DnsWire.TCP_LENGTH_PREFIX),
                                new TcpQueryHandler(DnsProxyServer.this));
                    }
                })
                .bind(addr).await();
        if (!f.isSuccess()) throw new IOException(f.cause().getMessage(), f.cause());
        return f.channel();
    }

    // ---------------------------------------------------------------- server groups and tunnel rules

    /** Adds (or replaces) a server group. */
    public void addServerGroup(String groupName, List<ServerSpec> specs, boolean trusted) throws IOException {
        List<UpstreamServer> servers = new ArrayList<>();
        try {
            for (ServerSpec spec : specs) servers.addAll(factory.create(spec));
        } catch (IOException | UnsupportedOperationException e) {
            servers.forEach(UpstreamServer::close);
            throw new IOException("server group " + groupName + ": " + e.getMessage(), e);
        }
        ServerGroup old = groups.put(groupName, new ServerGroup(groupName, groupIds.incrementAndGet() & 0xFFFF, servers, trusted, System::nanoTime));
        if (old != null) old.close();
    }

    public void removeServerGroup(String groupName) {
        ServerGroup old = groups.remove(groupName);
        if (old != null) old.close();
    }

    /** The rule source of a tunnel's DNS settings in the split-DNS provider. */
    public static String tunnelSource(String tunnel) { return "tunnel:" + tunnel; }

    /**
     * Makes a tunnel's DNS settings rules while it is up: its servers become group {@code tunnel:NAME}; each match
     * domain routes there (no match domains: every name, as the new default). Needs the split-DNS provider.
     */
    public void tunnelUp(String tunnel, DnsSettings dns) throws IOException {
        if (!(provider instanceof SplitDnsProvider split) || dns.servers().isEmpty()) return;
        String group = tunnelSource(tunnel);
        List<ServerSpec> specs = new ArrayList<>();
        for (var a : dns.servers()) specs.add(new ServerSpec.Plain(new Endpoint(a, ServerSpec.DNS_PORT)));
        addServerGroup(group, specs, false);
        List<SplitRule> rules = new ArrayList<>();
        List<String> domains = dns.matchDomains().isEmpty() ? List.of("") : dns.matchDomains();
        for (String d : domains) rules.add(new SplitRule(d, DnsDecision.forward(group), group));
        split.setRules(group, rules);
        log.info("tunnel {}: DNS for {} via {}", tunnel, dns.matchDomains().isEmpty() ? "all names" : String.join(", ", dns.matchDomains()), specs);
    }

    /** Removes a tunnel's rules and server group. */
    public void tunnelDown(String tunnel) {
        if (!(provider instanceof SplitDnsProvider split)) return;
        split.removeRules(tunnelSource(tunnel));
        removeServerGroup(tunnelSource(tunnel));
    }

    // ---------------------------------------------------------------- used by the query path

    boolean admits(InetSocketAddress client) {
        if (!acl.allows(client.getAddress())) {
            stats.refusedByAcl.increment();
            return false;
        }
        if (!limiter.allow(client.getAddress())) {
            stats.rateLimited.increment();
            return false;
        }
        return true;
    }

    ServerGroup group(String groupName) { return groups.get(groupName); }

    void learnAddresses(QueryView q, ResponseView r) {
        long ttl = r.cacheTtl();
        if (r.addressCount() == 0 || ttl <= 0) return;
        String asked = q.nameIsPrintable() ? q.name() : null;
        for (int i = 0; i < r.addressCount(); i++) {
            byte[] a = r.addressBytes(i);
            String owner = r.addressOwner(i);
            if (owner != null) names.record(a, owner, ttl);
            if (asked != null && !asked.equals(owner)) names.record(a, asked, ttl);
        }
    }

    void clearCache() { if (cache != null) cache.clear(); }

    long nextFlowId() { return flowIds.getAsLong(); }

    void providerFailed(Exception e) { log.warn("provider {}: handleQuery failed: {}", name, e.toString()); }

    void unknownGroup(String group) {
        if (reportedUnknownGroups.add(group)) log.warn("provider {} forwarded to unknown server group '{}'; answering SERVFAIL", name, group);
    }

    void internalError(RuntimeException e) { log.error("internal error handling a query", e); }

    void sinkFailed(RuntimeException e) { log.warn("event sink failed: {}", e.toString()); }

    QueryProcessor processor() { return processor; }

    QueryEvents events() { return events; }

    boolean attributes() { return attributes; }

    /** How long a new client socket's first answer may wait for its process; null: never held. */
    HoldBound hold() { return hold; }

    ClientProcesses processes() { return processes; }

    /** The raw-flow entry point, or null when the provider has none. */
    RawFlows rawFlows() { return rawFlows; }

    // ---------------------------------------------------------------- public view

    public DnsServerConfig config() { return config; }
    public DnsServerStats stats() { return stats; }
    /** The cache, or null when disabled. */
    public DnsCache cache() { return cache; }
    public AddressNameMap addressNames() { return names; }
    public DnsProxyProvider provider() { return provider; }
    /** The UDP addresses actually bound (ephemeral ports resolved), in listen order. */
    public List<InetSocketAddress> udpAddresses() { return List.copyOf(udpBound); }
    public List<InetSocketAddress> tcpAddresses() { return List.copyOf(tcpBound); }
    public Set<String> groupNames() { return Set.copyOf(groups.keySet()); }
    /**
     * Query events not yet published because their querying process is still being looked up (events follow their
     * answers by that lookup's time, at most a few milliseconds).
     */
    public int eventsWaitingForProcess() { return events.waiting(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (interception != null) {
            try {
                interception.close(); // clients reach their own resolvers again before the listeners go
            } catch (IOException e) {
                log.warn("{}: removing the DNS interception failed: {}", name, e.getMessage());
            }
        }
        for (Channel c : channels) c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (rawFlows != null) rawFlows.closeAll();
        try {
            provider.stopProxy(StopReason.USER_INITIATED);
        } catch (Exception e) {
            log.warn("provider {}: stopProxy failed: {}", name, e.toString());
        }
        groups.values().forEach(ServerGroup::close);
        groups.clear();
        providerThreads.shutdownNow();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (processes != null) processes.close();
        if (cache != null) cache.close();
        ended.complete(null);
    }

    /** Blocks until closed, or failed (a provider loop threw, or it cancelled itself): then returns the failure. */
    public Throwable awaitTermination() { return ended.join(); }

    /** The provider failed: the server ends, closed on a thread of its own, as every provider host does. */
    private void fail(Throwable error) {
        if (!ended.complete(error)) return;
        log.warn("{}: provider failed: {}", name, String.valueOf(error));
        Thread.ofPlatform().start(this::close);
    }

    /** What the provider sees of the host. */
    private final class HostContext implements DnsProxyContext {
        @Override public String name() { return name; }
        @Override public ProviderKind kind() { return ProviderKind.DNS_PROXY; }
        @Override public void log(String message) { log.info("{}: {}", name, message); }
        @Override public void publish(String type, Map<String, String> attributes, long flowId) {
            log.debug("{}: event {} {}", name, type, attributes);
        }
        @Override public int bypassMark() { return config.bypassMark(); }
        @Override public void spawn(String threadName, ThrowingRunnable loop) {
            providerThreads.submit(() -> {
                try {
                    loop.run();
                } catch (Exception e) {
                    if (!(e instanceof InterruptedException)) fail(e); // interrupted: closing
                }
                return null;
            });
        }
        @Override public void onPathChange(Consumer<PathEvent> listener) {}
        @Override public void cancel(Throwable error) {
            fail(error == null ? new IllegalStateException("the provider cancelled itself") : error);
        }

        @Override
        public List<DnsServerGroup> serverGroups() {
            List<DnsServerGroup> out = new ArrayList<>();
            for (ServerGroup g : groups.values()) {
                List<Endpoint> eps = g.servers().stream().map(s -> s.primary().address()).toList();
                if (!eps.isEmpty()) out.add(new DnsServerGroup(g.name(), eps));
            }
            return out;
        }

        @Override
        public ByteBuffer exchange(String serverGroup, ByteBuffer query, Duration timeout) throws IOException {
            ServerGroup g = groups.get(serverGroup);
            if (g == null) throw new IllegalArgumentException("unknown server group '" + serverGroup + "'");
            byte[] q = new byte[query.remaining()];
            query.duplicate().get(q);
            QueryView view = new QueryView();
            if (view.parse(q, q.length) != QueryView.OK) throw new IOException("not a well-formed query");
            try {
                var answer = g.exchange(q, q.length, view.questionEnd(), Math.min(config.attemptTimeoutMillis(), timeout.toMillis()),
                        timeout.toMillis()).get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
                return ByteBuffer.wrap(answer.message()).asReadOnlyBuffer();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                throw new IOException("server group " + serverGroup + ": " + c.getMessage(), c);
            }
        }
    }

    /** Formats a prefix list for logs. */
    static String prefixes(List<IpPrefix> p) { return p.stream().map(IpPrefix::toString).toList().toString(); }
}
