package dev.netext.daemon.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.EventStamp;
import dev.netext.daemon.events.SampleEvents;
import dev.netext.daemon.events.SchemaCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exporter against a real KRaft broker started by the test: order per key, keys, schema-valid values; and a dead
 * broker that neither blocks nor grows the exporter, with the loss reported in a Gap record once a broker is back.
 */
class KafkaEventExporterTest {
    private static final KafkaEventExporter.Settings FAST = new KafkaEventExporter.Settings(Duration.ofMillis(10),
            1 << 20, Duration.ofMillis(300), Duration.ofSeconds(3), Duration.ofSeconds(5), 256);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void everyEventIsOneRecordKeyedByFlowOrProviderInSequenceOrderPerKeyAndValidatesAgainstTheSchema() throws Exception {
        SchemaCheck schema = SchemaCheck.events();
        try (KafkaBroker broker = KafkaBroker.start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("netext-events", 3, (short) 1))).all().get();
            }
            EventLog log = new EventLog();
            int published;
            try (KafkaEventExporter x = KafkaEventExporter.start(log, new KafkaTarget(broker.bootstrap(), "netext-events"), FAST)) {
                for (EventStamp s : SampleEvents.all()) log.publish(s);
                // five flows' lives interleaved, plus provider events between them
                for (int round = 0; round < 40; round++) {
                    for (long flow = 100; flow < 105; flow++) {
                        long f = flow;
                        log.publish((s, t) -> new ProviderEvent.FlowVerdict(s, t, "web-filter", f, FinalVerdict.ALLOW, 1000));
                    }
                    log.publish((s, t) -> new ProviderEvent.StatusChanged(s, t, "corp", ProviderStatus.CONNECTED, ProviderStatus.REASSERTING));
                }
                published = (int) log.lastSequence();
                await(() -> x.exported() == published, "every event acknowledged", x);
                assertThat(x.lost()).isZero();
                assertThat(x.gapRecords()).isZero();
            }

            List<ConsumerRecord<String, String>> records = consume(broker.bootstrap(), "netext-events", published);
            assertThat(records).hasSize(published);
            Map<String, Integer> partitionOfKey = new HashMap<>();
            Map<String, Long> lastSeqOfKey = new HashMap<>();
            Set<Long> seen = new HashSet<>();
            for (ConsumerRecord<String, String> r : records) {
                assertThat(schema.problems(EventJson.MAPPER.readTree(r.value()))).as(r.value()).isEmpty();
                JsonNode v = EventJson.MAPPER.readTree(r.value());
                String expectedKey = v.has("flow") ? Long.toString(v.get("flow").asLong()) : v.get("provider").asText();
                assertThat(r.key()).as(r.value()).isEqualTo(expectedKey);
                // one key, one partition; within it, sequence order
                assertThat(partitionOfKey.computeIfAbsent(r.key(), _ -> r.partition())).isEqualTo(r.partition());
                long seq = v.get("seq").asLong();
                assertThat(seq).as("order of key " + r.key()).isGreaterThan(lastSeqOfKey.getOrDefault(r.key(), 0L));
                lastSeqOfKey.put(r.key(), seq);
                seen.add(seq);
            }
            assertThat(seen).hasSize(published); // each event exactly once
            assertThat(new HashSet<>(partitionOfKey.values())).as("keys spread over partitions").hasSizeGreaterThan(1);
            // the sample curl's life (DNS answer → open → verdict → close) is one key's records, in order
            List<String> flow42 = records.stream().filter(r -> r.key().equals(Long.toString(SampleEvents.FLOW)))
                    .map(r -> field(r.value(), "type")).toList();
            assertThat(flow42).containsSubsequence("FlowOpened", "FlowVerdict", "FlowClosed");
        }
    }

    @Test
    void aDeadBrokerNeitherBlocksPublishingNorGrowsAndTheGapIsReportedOnceABrokerIsBack() throws Exception {
        int port = KafkaBroker.freePort(); // nothing listens here yet
        EventLog log = new EventLog();
        try (KafkaEventExporter x = KafkaEventExporter.start(log, new KafkaTarget("127.0.0.1:" + port, "netext-late"), FAST)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20_000; i++) status(log, "corp");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).as("publishing never waited for the broker").isLessThan(Duration.ofSeconds(2));
            // each event was dropped, by the bounded queue or by the exporter, and counted: nothing is held for later
            await(() -> x.lost() == 20_000, "every event counted as lost", x);
            assertThat(x.exported()).isZero();

            try (KafkaBroker broker = KafkaBroker.start(port)) {
                // the daemon keeps publishing; once the producer has reconnected, events flow again
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (x.exported() == 0 || x.gapRecords() == 0) {
                    if (System.nanoTime() > deadline) throw new AssertionError("nothing delivered after the broker came "
                            + "(exported " + x.exported() + ", lost " + x.lost() + ", gap records " + x.gapRecords() + ")");
                    status(log, "after-broker");
                    Thread.sleep(100);
                }
                long closeStart = System.nanoTime();
                x.close(Duration.ofSeconds(5)); // delivers what is queued, and a Gap record for any loss since
                assertThat(Duration.ofNanos(System.nanoTime() - closeStart)).isLessThan(Duration.ofSeconds(6));
                long last = log.lastSequence();
                assertThat(x.exported() + x.lost()).as("every event delivered or counted as lost").isEqualTo(last);

                // in the topic: every event either delivered or inside a reported gap, the gaps' counts = the loss
                List<ConsumerRecord<String, String>> records = new ArrayList<>();
                long[] delivered = {0}, reported = {0};
                consumeUntil(broker.bootstrap(), "netext-late", records, () -> {
                    delivered[0] = 0;
                    reported[0] = 0;
                    for (ConsumerRecord<String, String> r : records) {
                        if (field(r.value(), "type").equals("Gap")) reported[0] += Long.parseLong(field(r.value(), "count"));
                        else delivered[0]++;
                    }
                    return delivered[0] + reported[0] == last;
                });
                assertThat(delivered[0]).isEqualTo(x.exported());
                assertThat(reported[0]).isEqualTo(x.lost()).isGreaterThanOrEqualTo(20_000);
                SchemaCheck schema = SchemaCheck.events();
                for (ConsumerRecord<String, String> r : records) {
                    assertThat(schema.problems(EventJson.MAPPER.readTree(r.value()))).as(r.value()).isEmpty();
                    if (field(r.value(), "type").equals("Gap")) assertThat(r.key()).isEqualTo(KafkaEventExporter.GAP_KEY);
                }
            }
        }
    }

    @Test
    void closingWithTheBrokerAwayReturnsPromptly() throws Exception {
        EventLog log = new EventLog();
        KafkaEventExporter x = KafkaEventExporter.start(log, new KafkaTarget("127.0.0.1:" + KafkaBroker.freePort(), "t"), FAST);
        for (int i = 0; i < 1000; i++) status(log, "corp");
        long t0 = System.nanoTime();
        x.close(Duration.ofSeconds(3));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(x.exported()).isZero();
    }

    @Test
    void targetsAreCheckedBeforeAnythingStarts() {
        assertThat(new KafkaTarget(" 127.0.0.1:9092 ", "netext.events_1").bootstrap()).isEqualTo("127.0.0.1:9092");
        assertThat(new KafkaTarget("[::1]:9092,kafka.example:9093", "t").topic()).isEqualTo("t");
        for (String bad : List.of("", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "host:port", "a b:1", "h:1,"))
            assertThatThrownBy(() -> new KafkaTarget(bad, "t")).as(bad).isInstanceOf(IllegalArgumentException.class);
        for (String bad : List.of("", "a/b", "..", "x".repeat(250), "with space"))
            assertThatThrownBy(() -> new KafkaTarget("h:1", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomBootstrapAndTopicTextIsAcceptedOrRefusedCleanly() {
        java.util.Random r = new java.util.Random(0x6b61666bL);
        String alphabet = "0123456789abcxyz.:,[]-_/ \t\u00e9";
        String[] seeds = {"127.0.0.1:9092", "[::1]:9092,kafka:9093", "netext.events_1"};
        int accepted = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder b = new StringBuilder(seeds[r.nextInt(seeds.length)]);
            for (int m = r.nextInt(4); m >= 0; m--) {
                int at = r.nextInt(b.length() + 1);
                if (r.nextBoolean() && at < b.length()) b.deleteCharAt(at);
                else b.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = b.toString();
            try {
                KafkaTarget t = r.nextBoolean() ? new KafkaTarget(text, "t") : new KafkaTarget("h:1", text);
                assertThat(t.bootstrap()).isNotBlank();
                accepted++;
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        assertThat(accepted).isPositive();
    }

    // ---- helpers ----

    private static void status(EventLog log, String provider) {
        log.publish((s, t) -> new ProviderEvent.StatusChanged(s, t, provider, ProviderStatus.CONNECTING, ProviderStatus.CONNECTED));
    }

    private static String field(String json, String name) {
        try {
            return EventJson.MAPPER.readTree(json).path(name).asText();
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    private static void await(BooleanSupplier done, String what, KafkaEventExporter x) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("timed out waiting for " + what + " (exported " + x.exported() + ", lost " + x.lost()
                        + ", gap records " + x.gapRecords() + ")");
            Thread.sleep(20);
        }
    }

    private static List<ConsumerRecord<String, String>> consume(String bootstrap, String topic, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        consumeUntil(bootstrap, topic, out, () -> out.size() >= count);
        return out;
    }

    /** Reads every partition of {@code topic} from the beginning (no group), partition by partition in offset order. */
    private static void consumeUntil(String bootstrap, String topic, List<ConsumerRecord<String, String>> out, BooleanSupplier done) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : c.partitionsFor(topic, Duration.ofSeconds(10))) parts.add(new TopicPartition(topic, i.partition()));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > deadline) throw new AssertionError("consumed only " + out.size() + " records");
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
    }
}
