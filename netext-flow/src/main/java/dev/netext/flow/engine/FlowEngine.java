package dev.netext.flow.engine;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderKind;
import dev.netext.api.net.IpFamily;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterSettings;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.path.PathEvent;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.tunnel.StopReason;
import dev.netext.flow.inbound.InboundInterceptor;
import dev.netext.flow.naming.AddressNames;
import dev.netext.flow.naming.FlowNamer;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.diag.ProcessAttributor;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.linux.nft.Nft;
import dev.netext.linux.tproxy.TproxySteering;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs a {@link FilterDataProvider}, then an ordered chain of proxies ({@link FlowProxy}; TCP and UDP), over every
 * intercepted TCP and UDP flow of this network namespace (and, in gateway mode, of the traffic it forwards): filter →
 * proxies in order → direct (see {@link ProxyWalk}), each flow decided by a {@link FlowPipeline}. Installs
 * {@link TproxySteering} (after undoing any dead instance's ledger), binds the transparent listeners, and hands each
 * accepted connection to an {@link InterceptedFlow} and each new UDP 5-tuple to an {@link InterceptedUdpFlow}
 * ({@link UdpInterceptor}), the transports' adapters of the pipeline. With the fast path (the default,
 * {@link InterceptionOptions#fastPath}) a locally opened TCP connection's SYN, and a UDP flow's first datagrams, are
 * queued first (forwarded ones too, in gateway mode) ({@link VerdictQueue}, {@link VerdictSteering}): a flow the filter can judge from its opening bytes is
 * judged there, by a {@link QueuedTcpFlow} or {@link QueuedUdpFlow}, and the kernel carries the rest; only the others
 * reach the listeners. With
 * {@link InterceptionOptions#inbound} also connections other hosts open to local services ({@link InboundInterceptor},
 * judged in a netfilter queue of their own). Start
 * it on a thread inside the namespace it should serve: the listeners, the netlink sockets and the event loop threads
 * are created from the starting thread.
 *
 * <p>Threads: the event loops carry the flows' bytes and their pipelines' state; one {@link DecisionPool} runs, per
 * flow, attribution and whatever of its decision cannot run on the loop, as one task.
 *
 * <p>Owns: the event loops, the decision pool, the listeners, the steering (and its ledger), the attributor.
 * {@link #close} stops the provider, closes the listeners (intercepted connections then fail to reach anything: no
 * traffic leaks past a stopped filter, nor is any lost silently), removes the steering and deletes the ledger.
 */
public final class FlowEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowEngine.class);
    /** The netfilter queue of the fast path (one flow layer per network namespace). */
    public static final int VERDICT_QUEUE = 0x4e58;

    private final FlowEngineConfig config;
    private final FilterDataProvider provider;
    private final FlowEvents events;
    private final ProxyWalk proxies;
    private final List<FlowProxy> proxyList; // closed with the engine when they hold resources (hosted providers)
    private final EventLoopGroup group;
    /** Attribution, then whatever of a flow's decision cannot run on its event loop: one task per flow. */
    private final DecisionPool decisions = new DecisionPool();
    private final Map<Long, FlowPipeline> paused = new ConcurrentHashMap<>(); // TCP and UDP flows waiting in a pause
    private final LongSupplier flowIds;
    private final FastThreadLocal<FlowNamer> namers;
    private final FilterControl control = new Control();
    private volatile FilterSettings settings = FilterSettings.FILTER_ALL;
    private ProcessAttributor attributor;
    private RtNetlink rtnl;
    private StateLedger ledger;
    private TproxySteering steering;
    private Channel listenerV4, listenerV6;
    private UdpInterceptor udp;
    private InboundInterceptor inbound;
    private VerdictQueue verdicts;
    private VerdictSteering verdictSteering;
    private boolean providerStarted;
    private List<StateLedger.Recovery> recovered = List.of();

    private FlowEngine(FlowEngineConfig config, FilterDataProvider provider, List<FlowProxy> proxies, EventSink sink,
                       AtomicLong sequence, AddressNames dns, LongSupplier flowIds) {
        this.config = config;
        this.flowIds = flowIds;
        this.provider = provider;
        this.proxies = new ProxyWalk(proxies);
        this.proxyList = List.copyOf(proxies);
        this.events = new FlowEvents(config.providerName(), sink, sequence::incrementAndGet);
        this.group = new MultiThreadIoEventLoopGroup(config.workerThreads(), EpollIoHandler.newFactory());
        this.namers = new FastThreadLocal<>() {
            @Override protected FlowNamer initialValue() { return new FlowNamer(dns); }
        };
    }

    /**
     * Starts interception in the calling thread's network namespace. Each allowed flow is offered to {@code proxies}
     * in {@link dev.netext.api.proxy.ProxyChain} order (profile order, then name), else goes direct (none: all go
     * direct). {@code sequence} numbers the events (share the host's counter so they interleave with other
     * providers' events). Flow ids come from {@code flowIds} (positive, never repeated): a host running several
     * engines and a DNS proxy shares one counter so a flow id names one flow across all of them.
     */
    public static FlowEngine start(FlowEngineConfig config, FilterDataProvider provider, List<FlowProxy> proxies,
                                   Map<String, Object> options, EventSink sink, AtomicLong sequence, AddressNames dns,
                                   LongSupplier flowIds) throws Exception {
        FlowEngine e = new FlowEngine(config, provider, proxies, sink, sequence, dns, flowIds);
        try {
            e.startInside(options);
            return e;
        } catch (Exception | Error ex) {
            e.close();
            throw ex;
        }
    }

    private void startInside(Map<String, Object> options) throws Exception {
        // every event loop thread is started from here, so each lives in this network namespace
        for (var loop : group) loop.submit(() -> { }).sync();
        rtnl = RtNetlink.open();
        Nft nft = new Nft();
        Iptables iptables = new Iptables();
        recovered = TproxySteering.recover(config.ledgerDir(), rtnl, nft, iptables);
        for (var r : recovered)
            log.info("undid {} objects of dead flow-layer instance pid {}", r.undone().size(), r.pid());
        attributor = ProcessAttributor.open();
        provider.startFilter(new Context(), options == null ? Map.of() : options);
        providerStarted = true;
        listenerV4 = listen(InetAddress.getByName("127.0.0.1"));
        if (config.ipv6()) listenerV6 = listen(InetAddress.getByName("::1"));
        InterceptionOptions more = config.interception();
        if (more.udp()) udp = UdpInterceptor.open(this, group, config.ipv6());
        ledger = StateLedger.create(config.ledgerDir(), LedgerKind.FLOW);
        InterceptionConfig ic = InterceptionConfig.of(port(listenerV4), listenerV6 == null ? 0 : port(listenerV6),
                config.scope());
        if (udp != null) ic = ic.withUdp(udp.portV4(), udp.portV6());
        ic = ic.withGateway(more.gatewayInterfaces()).withDnsExcluded(more.excludeDns()).withTcpQueued(more.fastPath())
                .withUdpQueued(more.fastPath() && udp != null)
                .withForwardedQueued(more.fastPath() && !more.gatewayInterfaces().isEmpty() ? forwardedFamilies() : Set.of());
        // the queue is bound before any rule sends packets to it
        if (more.fastPath()) verdicts = VerdictQueue.open(this, group, VERDICT_QUEUE, more.failOpen(), ic.interceptMark());
        steering = TproxySteering.install(ic, ledger, rtnl, nft);
        if (more.fastPath()) {
            verdictSteering = VerdictSteering.install(VERDICT_QUEUE, ic, more.failOpen(), ledger, iptables);
            log.info("fast path: TCP SYNs{} of {} queued to {} (on failure: {})", udp != null ? " and new UDP flows" : "",
                    config.providerName(), VERDICT_QUEUE, more.failOpen() ? "open" : "closed");
        }
        log.info("intercepting TCP for {} on 127.0.0.1:{}{}", config.providerName(), port(listenerV4),
                listenerV6 == null ? "" : " and [::1]:" + port(listenerV6));
        if (udp != null) log.info("intercepting UDP for {} on 127.0.0.1:{}{}", config.providerName(), udp.portV4(),
                udp.portV6() == 0 ? "" : " and [::1]:" + udp.portV6());
        if (!more.gatewayInterfaces().isEmpty())
            log.info("gateway mode: intercepting traffic forwarded in through {}{}", more.gatewayInterfaces(),
                    ic.queuesForwarded() ? ", on the fast path (" + ic.forwardedQueued().stream().sorted()
                            .map(f -> f == IpFamily.V4 ? "IPv4" : "IPv6").collect(Collectors.joining(", ")) + ")" : "");
        if (more.inbound()) {
            inbound = InboundInterceptor.open(this, group, config.ipv6(), more.failOpen(), config.ledgerDir());
            recovered = Stream.concat(recovered.stream(), inbound.recovered().stream()).toList();
        }
    }

    /**
     * The families this namespace forwards (IPv6 only when served): a forwarded flow allowed on the fast path stays in
     * the kernel, which would drop it without forwarding; the terminated path relays it without.
     */
    private Set<IpFamily> forwardedFamilies() {
        Set<IpFamily> out = EnumSet.noneOf(IpFamily.class);
        for (IpFamily f : config.ipv6() ? List.of(IpFamily.V4, IpFamily.V6) : List.of(IpFamily.V4)) {
            String sysctl = f == IpFamily.V4 ? "ipv4/ip_forward" : "ipv6/conf/all/forwarding";
            try {
                if (Files.readString(Path.of("/proc/sys/net", sysctl)).strip().equals("1")) out.add(f);
                else log.info("gateway mode: net.{} is off, so those forwarded flows take the terminated path",
                        sysctl.replace('/', '.'));
            } catch (IOException e) {
                log.warn("gateway mode: {} unreadable ({}); those forwarded flows take the terminated path", sysctl, e.toString());
            }
        }
        return out;
    }

    private Channel listen(InetAddress address) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(EpollChannelOption.IP_TRANSPARENT, true)
                .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        ch.pipeline().addLast(new InterceptedFlow(FlowEngine.this, nextFlowId()));
                    }
                });
        return b.bind(new InetSocketAddress(address, 0)).sync().channel();
    }

    private static int port(Channel c) { return ((InetSocketAddress) c.localAddress()).getPort(); }

    // what the flows' pipelines and adapters use

    FlowEngineConfig config() { return config; }

    FilterDataProvider provider() { return provider; }

    FlowEvents events() { return events; }

    FlowNamer namer() { return namers.get(); }

    ProxyWalk proxies() { return proxies; }

    ProcessAttributor attributor() { return attributor; }

    DecisionPool decisions() { return decisions; }

    long nextFlowId() { return flowIds.getAsLong(); }

    FilterSettings settings() { return settings; }

    void paused(FlowPipeline f) { paused.put(f.id(), f); }

    boolean unpause(FlowPipeline f) { return paused.remove(f.id(), f); }

    /** Whether connections other hosts open to local services are judged too (inbound flows). */
    public boolean judgesInbound() { return inbound != null; }

    /** What this start undid of crashed instances (kill -9) in this network namespace, inbound steering included. */
    public List<StateLedger.Recovery> recovered() { return recovered; }

    /** Resuming paused flows: hand this to whatever decides asynchronously (a UI prompt). */
    public FilterControl control() { return control; }

    /** The proxies flows are offered to, in offer order. */
    public ProxyChain proxyChain() { return proxies.chain(); }

    /** The chain's proxies, in order (hosted provider classes among them). */
    public List<FlowProxy> chainProxies() { return proxyList; }

    /** Flows waiting in a pause now. */
    public List<Long> pausedFlows() { return List.copyOf(paused.keySet()); }

    /** The transparent listeners' ports (v4, v6 or 0). */
    public int[] listenerPorts() {
        return new int[]{port(listenerV4), listenerV6 == null ? 0 : port(listenerV6)};
    }

    /** Flows on the fast path now (being named, or allowed and still open); 0 without the fast path. */
    public int queuedFlows() { return verdicts == null ? 0 : verdicts.size(); }

    /** The transparent UDP listeners' ports (v4, v6 or 0; both 0 without UDP interception). */
    public int[] udpListenerPorts() {
        return udp == null ? new int[]{0, 0} : new int[]{udp.portV4(), udp.portV6()};
    }

    @Override
    public synchronized void close() {
        if (inbound != null) inbound.close();     // its own steering first, then its queue
        if (verdictSteering != null) verdictSteering.close(); // first: no new flow is queued or steered
        if (steering != null) steering.close();   // no new flow is steered to a closing listener
        if (verdicts != null) verdicts.close();
        if (listenerV4 != null) listenerV4.close().awaitUninterruptibly();
        if (listenerV6 != null) listenerV6.close().awaitUninterruptibly();
        if (udp != null) udp.close();
        if (providerStarted) {
            providerStarted = false;
            try {
                provider.stopFilter(StopReason.USER_INITIATED);
            } catch (Exception e) {
                log.warn("stopping filter {}: {}", config.providerName(), e.toString());
            }
        }
        for (FlowProxy p : proxyList) {
            if (!(p instanceof AutoCloseable c)) continue;
            try {
                c.close();
            } catch (Exception e) {
                log.warn("stopping proxy {}: {}", p.member().provider(), e.toString());
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        decisions.shutdownNow();
        if (attributor != null) attributor.close();
        if (rtnl != null) rtnl.close();
        if (ledger != null) ledger.close();
        steering = null;
        verdictSteering = null;
        verdicts = null;
        udp = null;
        inbound = null;
        ledger = null;
        rtnl = null;
        attributor = null;
    }

    private final class Control implements FilterControl {
        @Override
        public boolean resume(long flowId, FilterVerdict verdict) {
            if (verdict instanceof FilterVerdict.Pause || verdict instanceof FilterVerdict.NeedRules || verdict == null)
                throw new IllegalArgumentException("resume needs a final or filter-data verdict, not " + verdict);
            FlowPipeline f = paused.remove(flowId);
            if (f == null) return false;
            f.resume(verdict);
            return true;
        }

        @Override
        public void applySettings(FilterSettings s) {
            if (s == null) throw new IllegalArgumentException("settings are null");
            settings = s;
        }
    }

    private final class Context implements FilterContext {
        @Override public FilterControl control() { return control; }

        @Override public String name() { return config.providerName(); }

        @Override public ProviderKind kind() { return ProviderKind.FILTER_DATA; }

        @Override public void log(String message) { LoggerFactory.getLogger("netext.provider." + name()).info(message); }

        @Override
        public void publish(String type, Map<String, String> attributes, long flowId) {
            events.message(type, attributes, flowId);
        }

        @Override public int bypassMark() { return InterceptionConfig.DEFAULT_BYPASS_MARK; }

        @Override
        public void spawn(String name, ThrowingRunnable loop) {
            Thread.ofPlatform().name(config.providerName() + "/" + name).daemon().start(() -> {
                try {
                    loop.run();
                } catch (Throwable e) {
                    log.warn("{} thread {} failed: {}", config.providerName(), name, e.toString());
                }
            });
        }

        @Override public void onPathChange(Consumer<PathEvent> listener) { }

        @Override public void cancel(Throwable error) { log.warn("filter {} cancelled itself: {}", name(), String.valueOf(error)); }
    }
}
