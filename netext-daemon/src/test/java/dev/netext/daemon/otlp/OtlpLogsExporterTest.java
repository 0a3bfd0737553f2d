package dev.netext.daemon.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.daemon.events.EventLog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exporter against {@link TinyCollector}: shape, batching and order; retry through 503s; a dead collector neither
 * blocks the event log nor grows memory, and the loss is reported (Gap record) once it is back.
 */
class OtlpLogsExporterTest {
    private static final OtlpLogsExporter.Settings FAST = new OtlpLogsExporter.Settings(100, Duration.ofMillis(100), 4,
            Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(5), 256);

    private static void publish(EventLog log, int n) {
        for (int i = 0; i < n; i++) {
            log.publish((s, t) -> new ProviderEvent.StatusChanged(s, t, "corp", ProviderStatus.CONNECTING, ProviderStatus.CONNECTED));
        }
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void eventsArriveInOrderInBatchesInTheOtlpJsonShape() throws Exception {
        EventLog log = new EventLog();
        try (TinyCollector c = new TinyCollector();
             OtlpLogsExporter x = OtlpLogsExporter.start(log, c.endpoint(), FAST, Map.of("service.name", "netextd", "host.name", "h"))) {
            assertThat(x.uri().getPath()).isEqualTo("/v1/logs");
            publish(log, 250);
            log.publish((s, t) -> new ProviderEvent.MemoryBudgetExceeded(s, t, "dns", ProviderEvent.MemoryLimit.HARD, 100, 200));
            await(() -> c.records.size() == 251, "251 records");
            assertThat(c.problems).isEmpty();
            assertThat(c.requests).isBetween(3, 250); // batched
            List<JsonNode> r = c.records;
            for (int i = 0; i < r.size(); i++) {
                JsonNode body = EventLogJson.parse(r.get(i).path("body").path("stringValue").asText());
                assertThat(body.path("seq").asLong()).isEqualTo(i + 1);
            }
            JsonNode first = r.getFirst();
            assertThat(first.path("eventName").asText()).isEqualTo("netext.StatusChanged");
            assertThat(first.path("severityText").asText()).isEqualTo("INFO");
            assertThat(attribute(first, "netext.provider")).isEqualTo("{\"stringValue\":\"corp\"}");
            assertThat(attribute(first, "netext.seq")).isEqualTo("{\"intValue\":\"1\"}");
            assertThat(attribute(first, "netext.to")).isEqualTo("{\"stringValue\":\"connected\"}");
            JsonNode hard = r.getLast();
            assertThat(hard.path("severityNumber").asInt()).isEqualTo(OtlpLogsJson.SEVERITY_WARN);
            assertThat(attribute(hard, "netext.used_bytes")).isEqualTo("{\"intValue\":\"200\"}");
            assertThat(c.resources.getFirst().toString()).contains("{\"key\":\"service.name\",\"value\":{\"stringValue\":\"netextd\"}}");
            // wall-clock nanoseconds, close to now
            long t = Long.parseLong(first.path("timeUnixNano").asText());
            assertThat(Math.abs(t / 1_000_000 - System.currentTimeMillis())).isLessThan(60_000);
        }
    }

    @Test
    void retriesThroughUnavailableAndDropsOnPermanentErrors() throws Exception {
        EventLog log = new EventLog();
        try (TinyCollector c = new TinyCollector();
             OtlpLogsExporter x = OtlpLogsExporter.start(log, c.endpoint(), FAST, Map.of("service.name", "netextd"))) {
            c.scripted.add(503);
            c.scripted.add(429);
            publish(log, 10);
            await(() -> x.exported() == 10, "10 records acknowledged after two retries");
            assertThat(c.records).hasSize(10);
            assertThat(x.retries()).isEqualTo(2);
            assertThat(x.droppedBatches()).isZero();

            c.scripted.add(400); // not retryable: dropped, the next batch goes through
            publish(log, 1);
            await(() -> x.droppedBatches() == 1, "a dropped batch");
            publish(log, 1);
            await(() -> x.exported() == 11, "the next batch acknowledged"); // the collector records before it answers
            assertThat(c.records).hasSize(11);
        }
    }

    @Test
    void aDeadCollectorNeitherBlocksNorGrowsAndTheGapIsReported() throws Exception {
        EventLog log = new EventLog();
        try (TinyCollector c = new TinyCollector();
             OtlpLogsExporter x = OtlpLogsExporter.start(log, c.endpoint(), FAST, Map.of("service.name", "netextd"))) {
            c.failWith = 503;
            long t0 = System.nanoTime();
            publish(log, 5000); // far more than the 256-entry queue
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5)); // never waited for the collector
            await(() -> x.droppedBatches() >= 1, "attempts exhausted");
            c.failWith = 0;
            // the queue is still full of what came while the batch was retried: the next event would be dropped too
            // (as designed) if published before a batch left it, so wait for the Gap's batch first
            await(() -> c.records.stream().anyMatch(r -> r.path("eventName").asText().equals("netext.Gap")), "a Gap record");
            publish(log, 1);
            JsonNode gap = c.records.stream().filter(r -> r.path("eventName").asText().equals("netext.Gap")).findFirst().orElseThrow();
            assertThat(gap.path("severityText").asText()).isEqualTo("WARN");
            await(() -> c.records.stream().anyMatch(r -> r.path("body").path("stringValue").asText().contains("\"seq\":5001")), "the newest event");
            assertThat(c.records.size()).isLessThan(1000); // the rest was dropped, not buffered
        }
    }

    private static String attribute(JsonNode record, String key) {
        for (JsonNode kv : record.path("attributes")) if (kv.path("key").asText().equals(key)) return kv.path("value").toString();
        return null;
    }

    /** Parses a body (the event's JSON line). */
    private static final class EventLogJson {
        static JsonNode parse(String s) throws Exception {
            return dev.netext.daemon.events.EventJson.MAPPER.readTree(s);
        }
    }
}
