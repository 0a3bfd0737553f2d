package dev.netext.daemon.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.netext.api.Verdict;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.ProcessInfo;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Events as JSON objects, one per line: the export format of {@code netext events}, the control API and the
 * JSON-lines exporter. The format is specified by {@code docs/events.schema.json}; change both together.
 *
 * <p>Every event line has {@code seq}, {@code mono_ns}, {@code time} (wall clock, RFC 3339, derived from the
 * monotonic time), {@code type} (the event record's name), {@code provider}, and {@code flow} when the event is
 * about one; then the fields of its type. A gap is {@code {"type":"Gap","first_seq":…,"last_seq":…,"count":…}}.
 */
public final class EventJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private final LongFunction<Instant> wallTime;

    /** @param wallTime maps an event's monotonic timestamp to wall-clock time ({@link EventLog#wallTime}) */
    public EventJson(LongFunction<Instant> wallTime) {
        this.wallTime = wallTime;
    }

    public String line(LogEntry entry) {
        return switch (entry) {
            case LogEntry.Recorded r -> toJson(r.event()).toString();
            case LogEntry.Gap g -> gap(g).toString();
        };
    }

    public static ObjectNode gap(LogEntry.Gap g) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("type", "Gap");
        o.put("first_seq", g.firstSequence());
        o.put("last_seq", g.lastSequence());
        o.put("count", g.count());
        return o;
    }

    public ObjectNode toJson(ProviderEvent e) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("seq", e.sequence());
        o.put("mono_ns", e.monotonicNanos());
        o.put("time", wallTime.apply(e.monotonicNanos()).toString());
        o.put("type", e.getClass().getSimpleName());
        o.put("provider", e.provider());
        long flow = EventLog.flowOf(e);
        if (flow != ProviderEvent.NO_FLOW) o.put("flow", flow);
        switch (e) {
            case StatusChanged x -> {
                o.put("from", lower(x.from()));
                o.put("to", lower(x.to()));
            }
            case FlowOpened x -> o.set("flow_info", flow(x.flow()));
            case FlowVerdict x -> {
                o.set("verdict", verdict(x.verdict()));
                o.put("latency_ns", x.latencyNanos());
            }
            case FlowClosed x -> {
                o.put("bytes_in", x.inboundBytes());
                o.put("bytes_out", x.outboundBytes());
            }
            case DnsQueried x -> {
                o.put("name", x.query().name());
                o.put("qtype", x.query().type().toString());
                o.put("qclass", x.query().dnsClass().toString());
                o.put("client", endpoint(x.query().client()));
                o.put("transport", lower(x.query().transport()));
                o.set("decision", verdict(x.decision()));
                o.put("rcode", x.rcode());
                o.put("answers", x.answerCount());
                o.put("latency_ns", x.latencyNanos());
                if (!x.rule().isEmpty()) o.put("rule", x.rule());
                if (!x.server().isEmpty()) o.put("server", x.server());
                if (x.cacheHit()) o.put("cache_hit", true);
                if (x.query().process().isKnown()) o.set("process", process(x.query().process()));
            }
            case PacketDecided x -> {
                o.put("direction", lower(x.direction()));
                o.put("length", x.length());
                o.set("verdict", verdict(x.verdict()));
            }
            case TunnelBytes x -> {
                o.put("bytes_in", x.bytesIn());
                o.put("bytes_out", x.bytesOut());
                o.put("packets_in", x.packetsIn());
                o.put("packets_out", x.packetsOut());
            }
            case ProviderFailed x -> {
                o.put("error_type", x.errorType());
                o.put("message", x.message());
                o.put("will_restart", x.willRestart());
            }
            case ProviderRestarted x -> o.put("attempt", x.attempt());
            case MemoryBudgetExceeded x -> {
                o.put("limit", lower(x.limit()));
                o.put("limit_bytes", x.limitBytes());
                o.put("used_bytes", x.usedBytes());
            }
            case ProviderMessage x -> {
                o.put("message_type", x.type());
                ObjectNode a = o.putObject("attributes");
                x.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(en -> a.put(en.getKey(), en.getValue()));
            }
        }
        return o;
    }

    private static ObjectNode flow(Flow f) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", f.id());
        o.put("protocol", lower(f.protocol()));
        o.put("direction", lower(f.direction()));
        o.put("local", endpoint(f.local()));
        o.put("remote", endpoint(f.remote()));
        f.hostname().ifPresent(h -> {
            o.put("hostname", h.hostname());
            o.put("hostname_source", lower(h.source()));
        });
        f.interfaceName().ifPresent(i -> o.put("interface", i));
        o.put("created", f.created().toString());
        if (f.process().isKnown()) o.set("process", process(f.process()));
        return o;
    }

    private static ObjectNode process(ProcessInfo p) {
        ObjectNode o = MAPPER.createObjectNode();
        p.pid().ifPresent(v -> o.put("pid", v));
        p.executable().ifPresent(v -> o.put("executable", v.toString()));
        p.uid().ifPresent(v -> o.put("uid", v));
        p.cgroupPath().ifPresent(v -> o.put("cgroup", v));
        p.containerId().ifPresent(v -> o.put("container", v));
        return o;
    }

    /** A verdict's kind (its record name, outer type first: {@code Block}, {@code Allow}) and full text. */
    private static ObjectNode verdict(Verdict v) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("kind", v.getClass().getSimpleName());
        o.put("detail", v.toString());
        return o;
    }

    private static String endpoint(Endpoint e) { return e.toString(); } // [v6]:port, compressed

    private static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }
}
