package dev.netext.packetfilter;

import dev.netext.api.EventSink;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.NfQueue;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.NfqueueH;
import dev.netext.linux.nfqueue.QueueSteering;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one {@link FilterPacketProvider} on a netfilter queue: the packet filter host.
 *
 * <p>Start: undo what a crashed instance left ({@link StateLedger#recover}) → {@code startFilter} → bind the queue
 * (before any rule sends packets to it) → steering rules, each recorded in the ledger first → the queue thread
 * ({@link QueueLoop}). Stop, in reverse: rules out (traffic stops coming) → queue thread ends → held packets get the
 * failure verdict → queue unbound → {@code stopFilter} → ledger deleted.
 *
 * <p>A process that dies without stopping leaves the rules in place: with {@code on-failure: closed} the kernel
 * then drops steered traffic (nothing unfiltered passes); with {@code open} it passes. The next start removes them.
 */
public final class PacketFilterEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PacketFilterEngine.class);

    private final PacketFilterConfig config;
    private final FilterPacketProvider provider;
    private final List<StateLedger.Recovery> recovered;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ScheduledExecutorService timers;
    private FilterProviderContext context;
    private PacketDecider decider;
    private NfQueue queue;
    private StateLedger ledger;
    private QueueSteering steering;
    private QueueLoop loop;
    private Thread thread;
    private SockDiagProcessResolver attribution;
    private boolean stopped;

    private PacketFilterEngine(PacketFilterConfig config, FilterPacketProvider provider, List<StateLedger.Recovery> recovered) {
        this.config = config;
        this.provider = provider;
        this.recovered = recovered;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name(config.name() + "/held-packets").unstarted(r));
    }

    /** Starts the filter in the calling thread's network namespace; on failure everything started is undone. */
    public static PacketFilterEngine start(PacketFilterConfig config, FilterPacketProvider provider, EventSink events,
                                           Iptables iptables) throws Exception {
        List<StateLedger.Recovery> recovered = recover(config.ledgerDir(), iptables);
        PacketFilterEngine engine = new PacketFilterEngine(config, provider, recovered);
        AtomicLong sequence = new AtomicLong();
        try {
            engine.context = new FilterProviderContext(config.name(), events, sequence::getAndIncrement, engine::fail);
            engine.decider = new PacketDecider(provider, config.name(), config.failureVerdict(), events,
                    sequence::getAndIncrement, config.publishAllows(), engine.timers, config.maxDelay());
            engine.attribution = openAttribution(config.name());
            if (engine.attribution != null) engine.decider.processResolver(engine.attribution);
            provider.startFilter(engine.context, config.options());
            engine.queue = NfQueue.open(new NfqConfig(config.queue(), config.queueMaxLength(), NfqueueH.MAX_PACKET,
                    config.failOpen(), true, true, NfqConfig.DEFAULT_RECEIVE_BUFFER));
            engine.loop = new QueueLoop(engine.queue, engine.decider);
            engine.ledger = StateLedger.create(config.ledgerDir(), LedgerKind.PACKET_FILTER);
            engine.steering = QueueSteering.install(config.queue(), config.match(), config.failOpen(), engine.ledger, iptables);
            engine.thread = Thread.ofPlatform().name(config.name() + "/queue-" + config.queue()).unstarted(() -> {
                try {
                    engine.loop.run();
                } catch (Throwable t) {
                    engine.fail(t);
                }
            });
            engine.thread.start();
            return engine;
        } catch (Exception | Error e) {
            engine.teardown(StopReason.PROVIDER_FAILED);
            throw e;
        }
    }

    /** Removes the steering rules of packet filters of this namespace that died without stopping. */
    public static List<StateLedger.Recovery> recover(Path ledgerDir, Iptables iptables) throws IOException {
        return StateLedger.recover(ledgerDir, LedgerKind.PACKET_FILTER, e -> QueueSteering.undo(e, iptables));
    }

    public PacketFilterConfig config() { return config; }

    /** The provider deciding the packets (an app's messages go to it). */
    public FilterPacketProvider provider() { return provider; }

    /** Ledgers of crashed instances undone at start. */
    public List<StateLedger.Recovery> recovered() { return recovered; }

    public PacketFilterStats stats() { return decider.stats(); }

    /** Whether packets carry conntrack state from the kernel itself (else from the steering marks). */
    public boolean kernelConntrackInfo() { return queue.conntrackInfo(); }

    private void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) log.error("{}: packet filter failed", config.name(), t);
        loop.stop();
        terminated.countDown();
    }

    /** Process attribution for {@code PacketContext.process()}; without it providers see unknown processes. */
    private static SockDiagProcessResolver openAttribution(String name) {
        try {
            return SockDiagProcessResolver.open();
        } catch (Exception e) {
            log.warn("{}: no process attribution for packets: {}", name, e.getMessage());
            return null;
        }
    }

    /** The failure that ended the filter, or null. */
    public Throwable failure() { return failure.get(); }

    /** Blocks until {@link #stop} or a failure; returns the failure, or null. */
    public Throwable awaitTermination() throws InterruptedException {
        terminated.await();
        return failure.get();
    }

    /** Stops and removes everything; idempotent. */
    public synchronized void stop(StopReason reason) {
        if (stopped) return;
        stopped = true;
        teardown(reason);
        terminated.countDown();
    }

    private void teardown(StopReason reason) {
        if (steering != null) steering.close();
        if (loop != null) loop.stop();
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (decider != null) decider.releaseAll();
        timers.shutdownNow();
        if (queue != null) queue.close();
        if (attribution != null) attribution.close();
        if (context != null) {
            try {
                provider.stopFilter(reason);
            } catch (Exception e) {
                log.warn("{}: stopFilter failed: {}", config.name(), e.toString());
            }
            try {
                context.stopThreads();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ledger != null) ledger.close();
    }

    @Override
    public void close() { stop(StopReason.USER_INITIATED); }
}
