package dev.netext.testkit.packetfilter;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.tunnel.StopReason;
import dev.netext.packetfilter.Decision;
import dev.netext.packetfilter.FilterProviderContext;
import dev.netext.packetfilter.PacketDecider;
import dev.netext.packetfilter.PacketFilterStats;
import dev.netext.packetfilter.PacketMeta;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a {@link FilterPacketProvider} in-JVM against scripted packets, through the same {@link PacketDecider} the
 * netfilter queue uses: failure verdicts, delays and their expiry, checksum fixing of modified packets and flow
 * decisions behave exactly as in production. A provider author's unit test:
 *
 * <pre>{@code
 * try (var filter = PacketFilterHarness.start(new MyProvider(), Map.of())) {
 *     var out = filter.send(Direction.OUTBOUND, ByteBuffer.wrap(Packets.udp("10.0.0.1", 40000, "10.0.0.2", 9999, "hello".getBytes())));
 *     assertThat(out.action()).isEqualTo(Outcome.Action.MODIFIED);
 *     assertThat(Packets.parse(out.bytes().array()).checksumsValid()).isTrue();
 * }
 * }</pre>
 *
 * Held packets' late verdicts are collected in {@link #released()} in the order they were released.
 */
public final class PacketFilterHarness implements AutoCloseable {

    /** What happened to a packet, now or (for a held one) later. */
    public record Outcome(Action action, ByteBuffer bytes, int flowDecision, long token) {
        public enum Action { ALLOWED, DROPPED, MODIFIED, HELD }

        /** Whether the provider also decided the packet's whole connection in the kernel. */
        public boolean flowDecided() { return flowDecision != Decision.FLOW_UNDECIDED; }
    }

    private final FilterPacketProvider provider;
    private final PacketDecider decider;
    private final FilterProviderContext context;
    private final ScheduledExecutorService timers;
    private final Decision decision = new Decision();
    private final PacketMeta meta = new PacketMeta();
    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private final List<Outcome> released = new CopyOnWriteArrayList<>();
    private final AtomicLong tokens = new AtomicLong(1);
    private boolean closed;

    private PacketFilterHarness(FilterPacketProvider provider, boolean failOpen, Duration maxDelay) {
        this.provider = provider;
        AtomicLong sequence = new AtomicLong();
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("harness-timers").unstarted(r));
        this.context = new FilterProviderContext("harness", events::add, sequence::getAndIncrement,
                t -> events.add(new ProviderEvent.ProviderFailed(sequence.getAndIncrement(), System.nanoTime(), "harness",
                        t.getClass().getSimpleName(), String.valueOf(t.getMessage()), false)));
        this.decider = new PacketDecider(provider, "harness", failOpen ? PacketVerdict.ALLOW : PacketVerdict.DROP,
                events::add, sequence::getAndIncrement, true, timers, maxDelay);
        decider.setReleaser((token, accept, replacement) -> released.add(new Outcome(
                !accept ? Outcome.Action.DROPPED : replacement != null ? Outcome.Action.MODIFIED : Outcome.Action.ALLOWED,
                replacement, Decision.FLOW_UNDECIDED, token)));
    }

    /** Starts {@code provider} with {@code options}; failures allow (on-failure: open), delays expire after 10 s. */
    public static PacketFilterHarness start(FilterPacketProvider provider, Map<String, Object> options) throws Exception {
        return start(provider, options, true, PacketContext.MAX_DELAY);
    }

    public static PacketFilterHarness start(FilterPacketProvider provider, Map<String, Object> options, boolean failOpen,
                                            Duration maxDelay) throws Exception {
        PacketFilterHarness h = new PacketFilterHarness(provider, failOpen, maxDelay);
        provider.startFilter(h.context, options);
        return h;
    }

    /** Hands one packet to the provider as an ESTABLISHED packet on {@code eth0}. */
    public Outcome send(Direction direction, ByteBuffer packet) {
        return send(direction, "eth0", ConntrackState.ESTABLISHED, 0, packet);
    }

    /** Hands one packet (position to limit; not modified) to the provider with the given context. */
    public synchronized Outcome send(Direction direction, String interfaceName, ConntrackState state, int conntrackMark,
                                     ByteBuffer packet) {
        if (closed) throw new IllegalStateException("harness is closed");
        long token = tokens.getAndIncrement();
        meta.set(direction, interfaceName, state, conntrackMark);
        decider.decide(meta, packet.duplicate().asReadOnlyBuffer(), token, decision);
        Outcome.Action a = switch (decision.action()) {
            case ACCEPT -> decision.replacement() != null ? Outcome.Action.MODIFIED : Outcome.Action.ALLOWED;
            case DROP -> Outcome.Action.DROPPED;
            case HOLD -> Outcome.Action.HELD;
        };
        return new Outcome(a, decision.replacement(), decision.flowDecision(), token);
    }

    /** Late verdicts of held packets, in release order. */
    public List<Outcome> released() { return List.copyOf(released); }

    /** Waits until at least {@code count} held packets were released. */
    public List<Outcome> awaitReleased(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (released.size() < count && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(5);
        return released();
    }

    /** Every event published, in order. */
    public List<ProviderEvent> events() { return List.copyOf(events); }

    public PacketFilterStats stats() { return decider.stats(); }

    public int heldCount() { return decider.heldCount(); }

    @Override
    public synchronized void close() throws Exception {
        if (closed) return;
        closed = true;
        try {
            provider.stopFilter(StopReason.USER_INITIATED);
        } finally {
            timers.shutdownNow();
            context.stopThreads();
        }
    }
}
