package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderEvent.DnsQueried;
import dev.netext.api.ProviderEvent.FlowClosed;
import dev.netext.api.ProviderEvent.FlowOpened;
import dev.netext.api.ProviderEvent.FlowVerdict;
import dev.netext.api.ProviderEvent.MemoryBudgetExceeded;
import dev.netext.api.ProviderEvent.PacketDecided;
import dev.netext.api.ProviderEvent.ProviderFailed;
import dev.netext.api.ProviderEvent.ProviderMessage;
import dev.netext.api.ProviderEvent.ProviderRestarted;
import dev.netext.api.ProviderEvent.StatusChanged;
import dev.netext.api.ProviderEvent.TunnelBytes;

/**
 * A copy of an event under the log's own sequence number and timestamp: what {@link EventLog#accept} records when a
 * component numbered an event itself. The switch is exhaustive, so a new event type fails compilation here.
 */
final class Restamp {
    private Restamp() {}

    static ProviderEvent of(ProviderEvent e, long seq, long nanos) {
        return switch (e) {
            case StatusChanged x -> new StatusChanged(seq, nanos, x.provider(), x.from(), x.to());
            case FlowOpened x -> new FlowOpened(seq, nanos, x.provider(), x.flow());
            case FlowVerdict x -> new FlowVerdict(seq, nanos, x.provider(), x.flowId(), x.verdict(), x.latencyNanos());
            case FlowClosed x -> new FlowClosed(seq, nanos, x.provider(), x.flowId(), x.inboundBytes(), x.outboundBytes());
            case DnsQueried x -> new DnsQueried(seq, nanos, x.provider(), x.query(), x.decision(), x.rcode(),
                    x.answerCount(), x.latencyNanos(), x.rule(), x.server(), x.cacheHit());
            case PacketDecided x -> new PacketDecided(seq, nanos, x.provider(), x.flowId(), x.direction(), x.length(),
                    x.verdict());
            case TunnelBytes x -> new TunnelBytes(seq, nanos, x.provider(), x.bytesIn(), x.bytesOut(), x.packetsIn(),
                    x.packetsOut());
            case ProviderFailed x -> new ProviderFailed(seq, nanos, x.provider(), x.errorType(), x.message(),
                    x.willRestart());
            case ProviderRestarted x -> new ProviderRestarted(seq, nanos, x.provider(), x.attempt());
            case MemoryBudgetExceeded x -> new MemoryBudgetExceeded(seq, nanos, x.provider(), x.limit(), x.limitBytes(),
                    x.usedBytes());
            case ProviderMessage x -> new ProviderMessage(seq, nanos, x.provider(), x.flowId(), x.type(), x.attributes());
        };
    }

    /** The flow an event is about, or {@link ProviderEvent#NO_FLOW}. */
    static long flowOf(ProviderEvent e) {
        return switch (e) {
            case ProviderEvent.FlowEvent f -> f.flowId();
            case PacketDecided p -> p.flowId();
            case ProviderMessage m -> m.flowId();
            default -> ProviderEvent.NO_FLOW;
        };
    }
}
