package dev.netext.daemon.interception;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.DropMode;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.UdpFlow;
import dev.netext.api.path.PathEvent;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxiedFlow;
import dev.netext.api.proxy.ProxiedTcpFlow;
import dev.netext.api.proxy.ProxiedUdpFlow;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyContext;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.proxy.ProxyRules;
import dev.netext.api.proxy.TcpConnection;
import dev.netext.api.proxy.UdpSession;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.daemon.supervisor.CallFailed;
import dev.netext.daemon.supervisor.ProviderRun;
import dev.netext.daemon.supervisor.ProviderLauncher;
import dev.netext.daemon.supervisor.ProviderSupervisor;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.HostedProxyTransport;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.linux.tproxy.InterceptionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A custom proxy provider class (a profile's {@code proxies: - { type: com.example.MyProxy, settings: {…} }}) in the
 * flow engine's chain. Its life — launch, bounded calls, crashes, back-off, restarts and their events — is the
 * {@link ProviderSupervisor}'s, and the loopback transport that hands it claimed flows is netext-flow's
 * {@link HostedProxyTransport}; this class adds what is a proxy's own:
 * <pre>
 *  engine's ProxyWalk ─▶ handleNewFlow (the run's executor: virtual threads, the plugin's loader; ≤ callTimeout)
 *     claim ─▶ TCP: a claim token at the transport · UDP: a loopback socket, handleUdpFlow on a thread of its own
 *  transport hands over a TCP flow ─▶ handleTcpFlow on a thread of its own
 *     returns ─▶ the flow is closed (FIN); throws ─▶ the flow is reset, proxy.failed for it, and the run crashed
 *  while no instance serves (crashed, restarting): declined, so flows go on to the next proxy or direct
 * </pre>
 * Flows other instances carry run on after a crash; a crash ends only the flow that threw. The provider reaches its
 * upstreams through {@link ProxyContext#openTcp}/{@code openUdp}, with the bypass mark, in the engine's namespace.
 * Create it with {@link #start} on a thread inside the namespace the engine serves.
 */
public final class SupervisedProxy implements FlowProxy, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProxy.class);
    /** How long handleNewFlow may take before it counts as hung (a crash), unless the caller says. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** How long the constructor, startProxy and stopProxy may take. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** One instance: the provider and the threads of the flows it carries (which outlive a crash of the instance). */
    private record Instance(ProxyProvider provider, ExecutorService flows) {}

    private final String profile;
    private final ProxyChain.Member member;
    private final int chainIndex;
    private final ResolvedPlugin<ProxyProvider> plugin;
    private final Map<String, Object> settings;
    private final EventSink events;
    private final Duration callTimeout;
    private final AtomicLong sequence = new AtomicLong();
    private final ProviderSupervisor<Instance> supervisor;
    private final HostedProxyTransport transport;

    private SupervisedProxy(String profile, ProxyChain.Member member, int chainIndex, ResolvedPlugin<ProxyProvider> plugin,
                            Map<String, Object> settings, RestartPolicy policy, EventSink events, Duration callTimeout,
                            Duration udpIdleTimeout) throws IOException {
        this.profile = profile;
        this.member = member;
        this.chainIndex = chainIndex;
        this.plugin = plugin;
        this.settings = settings == null ? Map.of() : Map.copyOf(settings);
        this.events = events == null ? EventSink.discard() : events;
        this.callTimeout = callTimeout;
        this.supervisor = new ProviderSupervisor<>(member.provider(), "proxy", policy, this.events, null, new Launcher());
        this.transport = HostedProxyTransport.open(member.provider(), udpIdleTimeout, new HostedProxyTransport.Carrier() {
            @Override public boolean serving() { return supervisor.serving(); }

            @Override public void carry(ProxiedTcpFlow flow) { carryFlow(flow, "handleTcpFlow"); }
        });
    }

    /**
     * Binds the transport's loopback listener and starts the provider (a failing start is a crash like any other:
     * reported and retried). Call on a thread inside the engine's network namespace.
     *
     * @param profile        the profile's name, for logs
     * @param chainIndex     the member's position in the profile's chain
     * @param callTimeout    how long handleNewFlow may take before it counts as hung ({@link #CALL_TIMEOUT})
     * @param udpIdleTimeout how long a claimed UDP flow may stay silent: the engine's UDP idle timeout
     */
    public static SupervisedProxy start(String profile, ProxyChain.Member member, int chainIndex,
                                        ResolvedPlugin<ProxyProvider> plugin, Map<String, Object> settings,
                                        RestartPolicy policy, EventSink events, Duration callTimeout,
                                        Duration udpIdleTimeout) throws IOException {
        SupervisedProxy p = new SupervisedProxy(profile, member, chainIndex, plugin, settings, policy, events, callTimeout,
                udpIdleTimeout);
        p.supervisor.startAndWait();
        return p;
    }

    @Override public ProxyChain.Member member() { return member; }

    @Override public ProxyServer server() { return transport.server(); }

    /** Restarts so far. */
    public long restarts() { return supervisor.restarts(); }

    /** The last crash, or null. */
    public String lastError() { return supervisor.lastError(); }

    /** True while an instance is serving. */
    public boolean serving() { return supervisor.serving(); }

    /** An app's message to the serving instance, through the supervisor's bounded, capped {@code ask}. */
    public byte[] message(byte[] data, Duration timeout) throws CallFailed, InterruptedException {
        byte[] reply = supervisor.ask(i -> () -> i.provider().handleAppMessage(data), timeout, "handleAppMessage");
        return reply == null ? new byte[0] : reply;
    }

    @Override
    public ClaimDecision handleNewFlow(Flow flow) {
        ProviderRun<Instance> run = supervisor.run();
        if (run == null) return ClaimDecision.DECLINE;
        ClaimDecision d = run.call(() -> run.instance().provider().handleNewFlow(flow), callTimeout, "handleNewFlow");
        if (!run.alive()) return new ClaimDecision.Reject(DropMode.RESET); // it threw on this flow: this flow fails
        if (!(d instanceof ClaimDecision.Claim)) return d == null ? ClaimDecision.DECLINE : d;
        if (flow instanceof UdpFlow udp) {
            // the engine relays the flow's datagrams to a loopback socket of its own, which the provider reads
            try {
                carryFlow(transport.claimUdp(udp), "handleUdpFlow");
            } catch (IOException e) {
                LOG.warn("proxy {}: no loopback socket for UDP flow {}: {}", member.provider(), flow.id(), e.toString());
                return new ClaimDecision.Reject(DropMode.RESET);
            }
            return d;
        }
        transport.claimTcp((TcpFlow) flow);
        return d;
    }

    /**
     * handleTcpFlow / handleUdpFlow on a thread of its own: returning closes the flow; throwing resets it, publishes
     * proxy.failed for it and crashes the instance. Without a serving instance the flow is reset at once.
     */
    private void carryFlow(ProxiedFlow flow, String what) {
        ProviderRun<Instance> run = supervisor.run();
        if (run == null) {
            flow.abort();
            return;
        }
        try {
            run.instance().flows().execute(() -> {
                try {
                    if (flow instanceof ProxiedTcpFlow tcp) run.instance().provider().handleTcpFlow(tcp);
                    else run.instance().provider().handleUdpFlow((ProxiedUdpFlow) flow);
                    flow.close();
                } catch (Throwable t) {
                    flow.abort();
                    CallFailed failure = CallFailed.threw(what, t);
                    publish((s, n) -> new ProviderEvent.ProviderMessage(s, n, member.provider(), flow.flow().id(),
                            "proxy.failed", Map.of("proxy", member.provider(), "reason", CallFailed.message(failure))));
                    run.crash(failure);
                }
            });
        } catch (RejectedExecutionException e) {
            flow.abort();
        }
    }

    /** Stops the provider (stopProxy; flows it still carries are then closed) and the transport. */
    @Override
    public void close() {
        supervisor.stop(StopReason.USER_INITIATED);
        transport.close();
    }

    private void publish(Stamp stamp) {
        try {
            events.accept(stamp.make(sequence.incrementAndGet(), System.nanoTime()));
        } catch (RuntimeException e) {
            LOG.warn("proxy {}: event not published: {}", member.provider(), e.toString());
        }
    }

    private interface Stamp {
        ProviderEvent make(long sequence, long monotonicNanos);
    }

    /** A proxy's own part of its life: a fresh instance of the plugin's class, started with the profile's settings. */
    private final class Launcher implements ProviderLauncher<Instance> {
        @Override
        public Instance launch(ProviderRun<Instance> run) throws Exception {
            // the constructor is plugin code too: on the plugin's loader, never on the engine's threads
            ProxyProvider provider = run.bounded(plugin::create, START_TIMEOUT, "constructor");
            ProxyContext context = new HostContext(run);
            run.bounded(() -> {
                provider.startProxy(context, settings);
                return null;
            }, START_TIMEOUT, "startProxy");
            LOG.info("proxy {}: {} ({}) started", member.provider(), plugin.type().getName(), plugin.origin());
            return new Instance(provider, Executors.newThreadPerTaskExecutor(threads("flow")));
        }

        /** stopProxy (bounded); after a crash the flows it carries run to their end, otherwise they are interrupted. */
        @Override
        public void stop(ProviderRun<Instance> run, StopReason reason) {
            run.quietly(() -> run.instance().provider().stopProxy(reason), START_TIMEOUT, "stopProxy");
            if (reason == StopReason.PROVIDER_FAILED) run.instance().flows().shutdown();
            else run.instance().flows().shutdownNow();
        }

        /** Virtual threads: a proxy's calls and flows block on sockets, many at once. */
        @Override
        public ExecutorService executor(ThreadGroup group, String threadName) {
            return Executors.newThreadPerTaskExecutor(threads("call"));
        }

        @Override public ClassLoader loader() { return plugin.classLoader(); }

        private ThreadFactory threads(String role) {
            ClassLoader loader = plugin.classLoader();
            ThreadFactory base = Thread.ofVirtual().name("netext-proxy-" + member.provider() + "-" + role + "-", 0).factory();
            return r -> {
                Thread t = base.newThread(r);
                if (loader != null) t.setContextClassLoader(loader);
                return t;
            };
        }
    }

    /** What the host gives one instance. */
    private final class HostContext implements ProxyContext {
        private final ProviderRun<Instance> run;

        HostContext(ProviderRun<Instance> run) { this.run = run; }

        @Override public String name() { return member.provider(); }

        @Override public ProviderKind kind() { return member.kind(); }

        @Override public void log(String message) { LOG.info("proxy {} ({}): {}", member.provider(), profile, message); }

        @Override
        public void publish(String type, Map<String, String> attributes, long flowId) {
            SupervisedProxy.this.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, member.provider(), flowId, type,
                    attributes == null ? Map.of() : Map.copyOf(attributes)));
        }

        @Override public int bypassMark() { return InterceptionConfig.DEFAULT_BYPASS_MARK; }

        @Override public void spawn(String name, ThrowingRunnable loop) { run.spawn(name, loop); }

        /** Path changes are not delivered to proxies yet. */
        @Override public void onPathChange(Consumer<PathEvent> listener) { }

        @Override public void cancel(Throwable error) { run.crash(error); }

        @Override public ProxyRules rules() { return member.rules(); }

        @Override public void setRules(ProxyRules rules) {
            throw new UnsupportedOperationException("a profile proxy's rules come from its profile (include/exclude/apps)");
        }

        @Override public int chainIndex() { return chainIndex; }

        /** Chaining behind a hosted proxy is not offered yet: its upstreams skip every proxy, as the bypass mark does. */
        @Override public int upstreamMark() { return InterceptionConfig.DEFAULT_BYPASS_MARK; }

        @Override
        public UdpSession openUdp(String host, int port) throws IOException { return transport.openUdp(host, port, bypassMark()); }

        @Override
        public TcpConnection openTcp(String host, int port) throws IOException { return transport.openTcp(host, port, bypassMark()); }
    }
}
