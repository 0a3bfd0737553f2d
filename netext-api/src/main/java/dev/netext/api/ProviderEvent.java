package dev.netext.api;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;

import java.util.Map;

/**
 * Something that happened to a provider or was decided by it. NE leaves providers to log with {@code os_log} and
 * records nothing about their decisions; netext puts every status change, flow decision, DNS answer, failure and
 * memory action into one stream ({@link EventSink}).
 *
 * <p>Every event carries:
 * <ul>
 *   <li>{@link #sequence()}: a global counter, assigned by the host when the event is created, strictly increasing
 *       across all providers. Events are delivered in sequence order; a gap means events were dropped.</li>
 *   <li>{@link #monotonicNanos()}: {@link System#nanoTime()} at creation: for durations between events, not for
 *       wall-clock time.</li>
 *   <li>{@link #provider()}: the provider's profile name.</li>
 * </ul>
 * Events about a flow are {@link FlowEvent}s and carry its {@linkplain Flow#id() id}, so filtering the stream by flow
 * id and sorting by sequence gives that flow's history across all providers in order.
 */
public sealed interface ProviderEvent {

    /** The flow id of events that concern no flow. Flow ids are positive. */
    long NO_FLOW = 0;

    long sequence();

    long monotonicNanos();

    String provider();

    /** An event about one flow. */
    sealed interface FlowEvent extends ProviderEvent {
        long flowId();
    }

    /** The provider's status changed: {@code NEVPNStatusDidChange}. */
    record StatusChanged(long sequence, long monotonicNanos, String provider, ProviderStatus from, ProviderStatus to)
            implements ProviderEvent {
        public StatusChanged {
            Events.check(sequence, provider);
            if (from == null || to == null) throw new IllegalArgumentException("from and to are required");
        }
    }

    /** The host saw a new flow and is offering it to this provider. */
    record FlowOpened(long sequence, long monotonicNanos, String provider, Flow flow) implements FlowEvent {
        public FlowOpened {
            Events.check(sequence, provider);
            if (flow == null) throw new IllegalArgumentException("flow is null");
        }

        @Override
        public long flowId() { return flow.id(); }
    }

    /**
     * The provider decided about a flow: a filter verdict, a data verdict, a proxy claim. {@code latencyNanos} is how
     * long the provider took to decide.
     */
    record FlowVerdict(long sequence, long monotonicNanos, String provider, long flowId, Verdict verdict,
                       long latencyNanos) implements FlowEvent {
        public FlowVerdict {
            Events.check(sequence, provider);
            Events.checkFlow(flowId);
            if (verdict == null) throw new IllegalArgumentException("verdict is null");
        }
    }

    /** A flow the provider saw has ended, with the bytes each way. */
    record FlowClosed(long sequence, long monotonicNanos, String provider, long flowId, long inboundBytes,
                      long outboundBytes) implements FlowEvent {
        public FlowClosed {
            Events.check(sequence, provider);
            Events.checkFlow(flowId);
            if (inboundBytes < 0 || outboundBytes < 0) throw new IllegalArgumentException("negative byte count");
        }
    }

    /**
     * A DNS proxy decided a query. {@code rcode} is the response code the client got (0 NOERROR, 2 SERVFAIL,
     * 3 NXDOMAIN, 5 REFUSED); {@code answerCount} the records in its answer section; {@code latencyNanos} the time
     * from the query's arrival to the answer's departure.
     *
     * @param rule     the rule that decided, when the provider names its rules (the built-in split-DNS provider:
     *                 {@code foo.mycompany.com→corp}); empty otherwise
     * @param server   the upstream that answered ({@code udp://10.0.0.53:53}); empty for answers netext made itself,
     *                 from its cache, or when no server answered
     * @param cacheHit whether the answer came from netext's cache
     */
    record DnsQueried(long sequence, long monotonicNanos, String provider, DnsQuery query,
                      DnsDecision decision, int rcode, int answerCount, long latencyNanos,
                      String rule, String server, boolean cacheHit) implements FlowEvent {
        public DnsQueried {
            Events.check(sequence, provider);
            if (query == null || decision == null) throw new IllegalArgumentException("query and decision are required");
            if (rcode < 0 || rcode > 0xFFF) throw new IllegalArgumentException("rcode " + rcode + " out of range");
            if (answerCount < 0) throw new IllegalArgumentException("negative answer count");
            if (rule == null) rule = "";
            if (server == null) server = "";
        }

        /** An event without rule, server and cache information (the original form). */
        public DnsQueried(long sequence, long monotonicNanos, String provider, DnsQuery query,
                          DnsDecision decision, int rcode, int answerCount, long latencyNanos) {
            this(sequence, monotonicNanos, provider, query, decision, rcode, answerCount, latencyNanos, "", "", false);
        }

        /** The flow that carried the query. */
        @Override
        public long flowId() { return query.flowId(); }
    }

    /**
     * A packet filter decided a packet. Published for drops, delays and modifications, and for allows only when the
     * profile asks (allows are the bulk of the traffic). {@code flowId} is {@link #NO_FLOW} for untracked packets.
     */
    record PacketDecided(long sequence, long monotonicNanos, String provider, long flowId, Direction direction,
                         int length, PacketVerdict verdict) implements ProviderEvent {
        public PacketDecided {
            Events.check(sequence, provider);
            if (flowId < 0) throw new IllegalArgumentException("negative flow id");
            if (direction == null || verdict == null) throw new IllegalArgumentException("direction and verdict are required");
        }
    }

    /** A tunnel's cumulative traffic counters, published periodically while it is connected. */
    record TunnelBytes(long sequence, long monotonicNanos, String provider, long bytesIn, long bytesOut,
                       long packetsIn, long packetsOut) implements ProviderEvent {
        public TunnelBytes {
            Events.check(sequence, provider);
            if (bytesIn < 0 || bytesOut < 0 || packetsIn < 0 || packetsOut < 0)
                throw new IllegalArgumentException("negative counter");
        }
    }

    /**
     * The provider failed: threw from start, from a spawned loop, or cancelled itself with an error.
     * {@code willRestart} says whether the host's restart policy brings it back.
     */
    record ProviderFailed(long sequence, long monotonicNanos, String provider, String errorType, String message,
                          boolean willRestart) implements ProviderEvent {
        public ProviderFailed {
            Events.check(sequence, provider);
            if (errorType == null) throw new IllegalArgumentException("errorType is null");
            if (message == null) message = "";
        }
    }

    /** The host restarted the provider after a failure; {@code attempt} counts from 1 since it last ran stably. */
    record ProviderRestarted(long sequence, long monotonicNanos, String provider, int attempt)
            implements ProviderEvent {
        public ProviderRestarted {
            Events.check(sequence, provider);
            if (attempt < 1) throw new IllegalArgumentException("attempt counts from 1");
        }
    }

    /**
     * The provider crossed a memory limit. At the {@link MemoryLimit#SOFT} limit it is warned
     * ({@link ProviderContext#onMemoryPressure}); at the {@link MemoryLimit#HARD} limit the host stops it with
     * {@link dev.netext.api.tunnel.StopReason#MEMORY_LIMIT}. Either way this event is published first, so a provider
     * is never killed without a trace.
     */
    record MemoryBudgetExceeded(long sequence, long monotonicNanos, String provider, MemoryLimit limit,
                                long limitBytes, long usedBytes) implements ProviderEvent {
        public MemoryBudgetExceeded {
            Events.check(sequence, provider);
            if (limit == null) throw new IllegalArgumentException("limit is null");
            if (limitBytes <= 0 || usedBytes < 0) throw new IllegalArgumentException("bad byte counts");
        }
    }

    enum MemoryLimit { SOFT, HARD }

    /** An event the provider published itself with {@link ProviderContext#publish}. */
    record ProviderMessage(long sequence, long monotonicNanos, String provider, long flowId, String type,
                           Map<String, String> attributes) implements ProviderEvent {
        public ProviderMessage {
            Events.check(sequence, provider);
            if (flowId < 0) throw new IllegalArgumentException("negative flow id");
            if (type == null || type.isBlank()) throw new IllegalArgumentException("type is empty");
            attributes = Map.copyOf(attributes);
        }
    }
}

/** Checks shared by the event records. */
final class Events {
    private Events() {}

    static void check(long sequence, String provider) {
        if (sequence < 0) throw new IllegalArgumentException("negative sequence number");
        if (provider == null || provider.isBlank()) throw new IllegalArgumentException("provider name is empty");
    }

    static void checkFlow(long flowId) {
        if (flowId <= 0) throw new IllegalArgumentException("flow id must be positive, was " + flowId);
    }
}
