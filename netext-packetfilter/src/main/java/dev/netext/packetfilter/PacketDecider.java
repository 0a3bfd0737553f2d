package dev.netext.packetfilter;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.net.IpFamily;
import dev.netext.wire.MalformedPacketException;
import dev.netext.wire.edit.PacketEditor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Decides one packet at a time with a {@link FilterPacketProvider}, independent of where packets come from (the
 * netfilter queue, or a test harness): calls {@code handle}, turns its verdict into a {@link Decision}, and keeps the
 * promises of the API around it.
 *
 * <ul>
 *   <li>A provider that throws, returns null, returns a delay handle it did not get for this packet, or a replacement
 *       of the other IP family gets the failure verdict applied, a {@code PacketDecided} event and a
 *       {@code netext.packet-filter.handle-failed} message event; the engine goes on.</li>
 *   <li>A modified packet gets its checksums recomputed ({@link PacketEditor}) unless the provider asked otherwise.</li>
 *   <li>A held packet is dropped after {@code maxDelay}; releases may come from any thread.</li>
 *   <li>A flow decision that differs from the current packet's verdict (allow this one, drop the rest) waits for the
 *       flow's next packet, which carries it into the kernel.</li>
 * </ul>
 * {@link #decide} is called by one thread; {@link HeldPacket} releases by any.
 */
public final class PacketDecider {
    private static final Logger log = LoggerFactory.getLogger(PacketDecider.class);
    private static final int MAX_WAITING_FLOWS = 65_536;

    private final FilterPacketProvider provider;
    private final String name;
    private final PacketVerdict failureVerdict;
    private final EventSink events;
    private final LongSupplier sequence;
    private final boolean publishAllows;
    private final ScheduledExecutorService timers;
    private final Duration maxDelay;
    private volatile PacketReleaser releaser;
    private volatile PacketProcessResolver processResolver = PacketProcessResolver.NONE;
    private final QueuedPacketContext context = new QueuedPacketContext(this);

    /** How {@link PacketContext#process()} finds a packet's process; {@link PacketProcessResolver#NONE} by default. */
    public void processResolver(PacketProcessResolver resolver) { this.processResolver = resolver; }

    PacketProcessResolver processResolver() { return processResolver; }
    private final Map<Key, Integer> waitingFlowDecisions = new HashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private final Set<HeldPacket> heldPackets = ConcurrentHashMap.newKeySet();
    private final LongAdder packets = new LongAdder(), allowed = new LongAdder(), dropped = new LongAdder(),
            modified = new LongAdder(), delayed = new LongAdder(), expired = new LongAdder(),
            flowsDecided = new LongAdder(), failures = new LongAdder();
    private final AtomicLong lastFailureLog = new AtomicLong();

    /**
     * @param failureVerdict {@link PacketVerdict#ALLOW} or {@link PacketVerdict#DROP}: what a failed decision becomes
     * @param timers         runs the expiry of held packets
     * @param maxDelay       how long a packet may be held; at most {@link PacketContext#MAX_DELAY}
     */
    public PacketDecider(FilterPacketProvider provider, String name, PacketVerdict failureVerdict, EventSink events,
                         LongSupplier sequence, boolean publishAllows, ScheduledExecutorService timers, Duration maxDelay) {
        if (!(failureVerdict instanceof PacketVerdict.Allow) && !(failureVerdict instanceof PacketVerdict.Drop))
            throw new IllegalArgumentException("the failure verdict must be allow or drop");
        if (maxDelay.isNegative() || maxDelay.isZero() || maxDelay.compareTo(PacketContext.MAX_DELAY) > 0)
            throw new IllegalArgumentException("maxDelay outside (0, " + PacketContext.MAX_DELAY + "]");
        this.provider = provider;
        this.name = name;
        this.failureVerdict = failureVerdict;
        this.events = events;
        this.sequence = sequence;
        this.publishAllows = publishAllows;
        this.timers = timers;
        this.maxDelay = maxDelay;
    }

    /** Where held packets' verdicts go; set before the first {@link #decide}. */
    public void setReleaser(PacketReleaser releaser) { this.releaser = releaser; }

    /** Packets currently held. While any is, batch verdicts (which cover every lower packet id) must not be used. */
    public int heldCount() { return held.get(); }

    public PacketFilterStats stats() {
        return new PacketFilterStats(packets.sum(), allowed.sum(), dropped.sum(), modified.sum(), delayed.sum(),
                expired.sum(), flowsDecided.sum(), failures.sum());
    }

    /**
     * Decides {@code packet} (a read-only view, valid during the call) into {@code out}.
     *
     * @param token what the releaser needs to issue a late verdict if the packet is held
     */
    public void decide(PacketMeta meta, ByteBuffer packet, long token, Decision out) {
        out.reset();
        packets.increment();
        if (!waitingFlowDecisions.isEmpty()) {
            byte[] k = FlowKey.of(packet);
            Integer waiting = k == null ? null : waitingFlowDecisions.remove(new Key(k));
            if (waiting != null) {
                out.action = waiting == Decision.FLOW_ACCEPT ? Decision.Action.ACCEPT : Decision.Action.DROP;
                out.flowDecision = waiting;
                count(out);
                return;
            }
        }
        long start = System.nanoTime();
        PacketVerdict verdict;
        Throwable failure = null;
        context.begin(meta, packet, token);
        try {
            verdict = provider.handle(context, packet);
        } catch (Throwable t) {
            verdict = null;
            failure = t;
        } finally {
            context.active = false;
        }
        long latency = System.nanoTime() - start;
        String problem = failure != null ? failure.toString() : apply(verdict, packet, out);
        if (problem != null) {
            fail(problem, failure, packet, out);
            if (context.held != null) context.held.discard(); // a delay the failed call created is not kept
            publish(meta, packet, failureVerdict);
            return;
        }
        if (context.flowDecision != Decision.FLOW_UNDECIDED) applyFlowDecision(packet, out);
        count(out);
        if (out.action == Decision.Action.HOLD || out.replacement != null || out.action == Decision.Action.DROP || publishAllows)
            publish(meta, packet, verdict);
        if (latency > 50_000_000L) log.debug("{}: handle took {} ms", name, latency / 1_000_000);
    }

    /** Fills {@code out} from a usable verdict; returns why the verdict is unusable, or null. */
    private String apply(PacketVerdict verdict, ByteBuffer packet, Decision out) {
        switch (verdict) {
            case null -> { return "handle returned null"; }
            case PacketVerdict.Allow _ -> out.action = Decision.Action.ACCEPT;
            case PacketVerdict.Drop _ -> out.action = Decision.Action.DROP;
            case PacketVerdict.Delay d -> {
                if (context.delay == null || d != context.delay)
                    return "handle returned a delay that is not this packet's (use context.delay())";
                out.action = Decision.Action.HOLD;
                HeldPacket h = context.held;
                heldPackets.add(h);
                held.incrementAndGet();
                if (!h.isPending()) { // released during handle itself
                    if (heldPackets.remove(h)) held.decrementAndGet();
                } else {
                    timers.schedule(() -> {
                        if (h.expire()) log.debug("{}: held packet expired after {}", name, maxDelay);
                    }, maxDelay.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
            case PacketVerdict.Modify m -> {
                IpFamily original = packet.remaining() > 0 ? IpFamily.ofFirstByte(packet.get(packet.position())) : null;
                if (original != null && m.family() != original)
                    return "handle replaced an " + original + " packet with an " + m.family() + " one";
                ByteBuffer r = replacement(m);
                if (r == null) return "handle returned a replacement that is not a valid IP packet";
                out.action = Decision.Action.ACCEPT;
                out.replacement = r;
            }
        }
        return null;
    }

    /** A writable copy of the replacement with checksums fixed, or null when it cannot be parsed. */
    static ByteBuffer replacement(PacketVerdict.Modify m) {
        ByteBuffer copy = ByteBuffer.allocate(m.bytes().remaining()).put(m.bytes().duplicate()).flip();
        if (!m.recomputeChecksums()) return copy;
        try {
            PacketEditor.fixChecksums(copy);
        } catch (MalformedPacketException e) {
            return null;
        }
        return copy;
    }

    private void applyFlowDecision(ByteBuffer packet, Decision out) {
        int d = context.flowDecision;
        boolean matches = (d == Decision.FLOW_ACCEPT && out.action == Decision.Action.ACCEPT)
                || (d == Decision.FLOW_DROP && out.action == Decision.Action.DROP);
        if (matches) {
            out.flowDecision = d;
            return;
        }
        byte[] k = FlowKey.of(packet);
        if (k != null && waitingFlowDecisions.size() < MAX_WAITING_FLOWS) waitingFlowDecisions.put(new Key(k), d);
    }

    private void fail(String problem, Throwable failure, ByteBuffer packet, Decision out) {
        failures.increment();
        out.reset();
        out.action = failureVerdict instanceof PacketVerdict.Drop ? Decision.Action.DROP : Decision.Action.ACCEPT;
        count(out);
        long now = System.nanoTime(), last = lastFailureLog.get();
        if (now - last > 1_000_000_000L && lastFailureLog.compareAndSet(last, now)) { // at most one log line a second
            if (failure != null) log.warn("{}: provider failed on a {}-byte packet; applying {}", name, packet.remaining(), failureVerdict, failure);
            else log.warn("{}: {}; applying {}", name, problem, failureVerdict);
        }
        try {
            events.accept(new ProviderEvent.ProviderMessage(sequence.getAsLong(), System.nanoTime(), name,
                    ProviderEvent.NO_FLOW, "netext.packet-filter.handle-failed",
                    Map.of("problem", problem, "applied", failureVerdict instanceof PacketVerdict.Drop ? "drop" : "allow")));
        } catch (RuntimeException e) {
            log.debug("event sink failed", e);
        }
    }

    private void count(Decision out) {
        switch (out.action) {
            case ACCEPT -> { if (out.replacement != null) modified.increment(); else allowed.increment(); }
            case DROP -> dropped.increment();
            case HOLD -> delayed.increment();
        }
        if (out.flowDecision != Decision.FLOW_UNDECIDED) flowsDecided.increment();
    }

    private void publish(PacketMeta meta, ByteBuffer packet, PacketVerdict verdict) {
        try {
            long flow = meta.conntrackState == ConntrackState.UNTRACKED ? 0 : FlowKey.id(FlowKey.of(packet));
            events.accept(new ProviderEvent.PacketDecided(sequence.getAsLong(), System.nanoTime(), name, flow,
                    meta.direction, packet.remaining(), verdict));
        } catch (RuntimeException e) {
            log.debug("event sink failed", e);
        }
    }

    /** Called by a {@link HeldPacket} that was released or expired, on the releasing thread. */
    void released(HeldPacket h, long token, boolean accept, PacketVerdict.Modify replacement, boolean timedOut) {
        if (heldPackets.remove(h)) held.decrementAndGet();
        ByteBuffer bytes = null;
        if (replacement != null) {
            bytes = replacement(replacement);
            if (bytes == null) {
                accept = failureVerdict instanceof PacketVerdict.Allow;
                failures.increment();
            } else {
                modified.increment();
            }
        }
        if (timedOut) {
            expired.increment();
            publish(h.meta, h.packet(), PacketVerdict.DROP);
        }
        PacketReleaser r = releaser;
        if (r == null) {
            log.warn("{}: no releaser for a held packet", name);
            return;
        }
        try {
            r.release(token, accept, bytes);
        } catch (RuntimeException e) {
            log.warn("{}: releasing a held packet failed: {}", name, e.toString());
        }
    }

    /** Gives every packet still held the failure verdict: at stop, before the queue goes. */
    public void releaseAll() {
        for (HeldPacket h : heldPackets) {
            if (failureVerdict instanceof PacketVerdict.Allow) h.allow();
            else h.drop();
        }
    }

    private record Key(byte[] bytes) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(bytes, k.bytes); }

        @Override public int hashCode() { return Arrays.hashCode(bytes); }
    }
}
