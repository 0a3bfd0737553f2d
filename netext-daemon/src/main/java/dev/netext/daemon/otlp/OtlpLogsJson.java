package dev.netext.daemon.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.LogEntry;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Encodes event-log entries as an OTLP {@code ExportLogsServiceRequest} in the OTLP/HTTP JSON encoding
 * (opentelemetry-proto {@code logs/v1/logs.proto}, JSON mapping per the OTLP spec: field names in lowerCamelCase,
 * 64-bit integers as decimal strings, enums as numbers, trace/span ids omitted).
 *
 * <pre>
 *   resourceLogs[0].resource.attributes: service.name=netextd, service.instance.id, host.name
 *   resourceLogs[0].scopeLogs[0].scope: dev.netext.events
 *   logRecords[i]: timeUnixNano (wall time of the event), observedTimeUnixNano, severityNumber/Text,
 *                  eventName = netext.&lt;Type&gt;, body.stringValue = the event's JSON line (docs/events.schema.json),
 *                  attributes = the event's top-level fields as netext.&lt;field&gt; (objects flattened with dots)
 * </pre>
 *
 * A {@link LogEntry.Gap} becomes a WARN record {@code netext.Gap} so a backend sees where events were dropped.
 */
public final class OtlpLogsJson {
    /** SeverityNumber (logs data model): INFO = 9, WARN = 13. */
    static final int SEVERITY_INFO = 9, SEVERITY_WARN = 13;
    static final String SCOPE = "dev.netext.events";

    private final EventJson json;
    private final LongFunction<Instant> wallTime;
    private final Map<String, String> resource;

    public OtlpLogsJson(LongFunction<Instant> wallTime, Map<String, String> resource) {
        this.json = new EventJson(wallTime);
        this.wallTime = wallTime;
        this.resource = Map.copyOf(resource);
    }

    public ObjectNode request(List<LogEntry> entries, long observedNanos) {
        ObjectNode root = EventJson.MAPPER.createObjectNode();
        ObjectNode rl = root.putArray("resourceLogs").addObject();
        ArrayNode ra = rl.putObject("resource").putArray("attributes");
        resource.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> attribute(ra, e.getKey(), e.getValue()));
        ObjectNode sl = rl.putArray("scopeLogs").addObject();
        sl.putObject("scope").put("name", SCOPE);
        ArrayNode records = sl.putArray("logRecords");
        for (LogEntry e : entries) record(records.addObject(), e, observedNanos);
        return root;
    }

    private void record(ObjectNode r, LogEntry entry, long observedNanos) {
        ObjectNode event;
        long time;
        String type;
        int severity;
        switch (entry) {
            case LogEntry.Recorded rec -> {
                ProviderEvent e = rec.event();
                event = json.toJson(e);
                time = nanos(wallTime.apply(e.monotonicNanos()));
                type = e.getClass().getSimpleName();
                severity = warns(e) ? SEVERITY_WARN : SEVERITY_INFO;
            }
            case LogEntry.Gap g -> {
                event = EventJson.gap(g);
                time = observedNanos;
                type = "Gap";
                severity = SEVERITY_WARN;
            }
        }
        r.put("timeUnixNano", Long.toUnsignedString(time));
        r.put("observedTimeUnixNano", Long.toUnsignedString(observedNanos));
        r.put("severityNumber", severity);
        r.put("severityText", severity == SEVERITY_WARN ? "WARN" : "INFO");
        r.put("eventName", "netext." + type);
        r.putObject("body").put("stringValue", event.toString());
        ArrayNode a = r.putArray("attributes");
        flatten(a, "netext", event);
    }

    private static boolean warns(ProviderEvent e) {
        return e instanceof ProviderEvent.ProviderFailed || e instanceof ProviderEvent.MemoryBudgetExceeded;
    }

    private static void flatten(ArrayNode out, String prefix, JsonNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = prefix + "." + f.getKey();
            JsonNode v = f.getValue();
            if (v.isObject()) flatten(out, key, v);
            else if (v.isArray()) attribute(out, key, v.toString());
            else if (v.isIntegralNumber()) out.addObject().put("key", key).putObject("value").put("intValue", v.asText());
            else if (v.isNumber()) out.addObject().put("key", key).putObject("value").put("doubleValue", v.asDouble());
            else if (v.isBoolean()) out.addObject().put("key", key).putObject("value").put("boolValue", v.asBoolean());
            else if (!v.isNull()) attribute(out, key, v.asText());
        }
    }

    private static void attribute(ArrayNode out, String key, String value) {
        out.addObject().put("key", key).putObject("value").put("stringValue", value);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
