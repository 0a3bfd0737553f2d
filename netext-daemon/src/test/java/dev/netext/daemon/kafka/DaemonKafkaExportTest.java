package dev.netext.daemon.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.ProviderStatus;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.SchemaCheck;
import dev.netext.daemon.server.ComponentStatus;
import dev.netext.daemon.server.Daemon;
import dev.netext.daemon.server.DaemonConfig;
import dev.netext.daemon.server.ProfileState;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netextd with {@code kafka} in its config, running a pong tunnel in a namespace of its own, next to a real broker
 * started in the same namespace: the daemon's events (start, the tunnel's lifecycle, its byte reports, stop) arrive
 * as records keyed by provider, in sequence order per key, each value valid against docs/events.schema.json.
 */
class DaemonKafkaExportTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void theDaemonsEventsArriveAsRecordsKeyedByProviderInOrder() throws Exception {
        Assumptions.assumeTrue(isRoot(), "integration test skipped: needs root (network namespaces, TUN)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "integration test skipped: no /dev/net/tun");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("kafka");
            KafkaBroker broker = ns.runInside(() -> KafkaBroker.start());
            try {
                Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
                Files.writeString(profiles.resolve("pong.yaml"), """
                        name: kafka-pong
                        tunnel:
                          provider: pong
                          interface: nxkafka0
                          settings:
                            addresses: [10.7.14.1/24]
                        """);
                DaemonConfig config = DaemonConfig.builder(dir.resolve("control.sock"), dir.resolve("state"))
                        .profiles(profiles, List.of())
                        .bytesInterval(Duration.ofMillis(200))
                        .kafka(new KafkaTarget(broker.bootstrap(), "netext-events"))
                        .build();
                Daemon daemon = ns.runInside(() -> Daemon.start(config));
                try {
                    awaitConnected(daemon, "kafka-pong");
                    Thread.sleep(500); // a few TunnelBytes reports
                    assertThat(daemon.kafkaExporter().lost()).isZero();
                } finally {
                    ns.runInside(daemon::close); // the tunnel's routes and device are removed inside the namespace
                }
                long last = daemon.events().lastSequence();
                List<ConsumerRecord<String, String>> records = ns.runInside(() -> consume(broker.bootstrap(), "netext-events", last));

                SchemaCheck schema = SchemaCheck.events();
                Map<String, Long> lastSeqOfKey = new HashMap<>();
                List<String> types = new ArrayList<>();
                for (ConsumerRecord<String, String> r : records) {
                    JsonNode v = EventJson.MAPPER.readTree(r.value());
                    assertThat(schema.problems(v)).as(r.value()).isEmpty();
                    assertThat(r.key()).isEqualTo(v.has("flow") ? v.get("flow").asText() : v.get("provider").asText());
                    assertThat(v.get("seq").asLong()).isGreaterThan(lastSeqOfKey.getOrDefault(r.key(), 0L));
                    lastSeqOfKey.put(r.key(), v.get("seq").asLong());
                    types.add(r.key() + ":" + v.get("type").asText() + ":" + v.path("message_type").asText(v.path("to").asText()));
                }
                assertThat(records).hasSize((int) last);
                assertThat(types).containsSubsequence("netextd:ProviderMessage:daemon.started", "kafka-pong:StatusChanged:connecting",
                        "kafka-pong:StatusChanged:connected", "kafka-pong:TunnelBytes:", "kafka-pong:StatusChanged:disconnected",
                        "netextd:ProviderMessage:daemon.stopped");
            } finally {
                ns.runInside(broker::close);
            }
        }
    }

    private static void awaitConnected(Daemon daemon, String profile) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            for (ProfileState p : daemon.supervisor().status())
                if (p.name().equals(profile))
                    for (ComponentStatus c : p.components()) if (c.status() == ProviderStatus.CONNECTED) return;
            if (System.nanoTime() > deadline) throw new AssertionError(profile + " did not connect: " + daemon.supervisor().status());
            Thread.sleep(50);
        }
    }

    private static List<ConsumerRecord<String, String>> consume(String bootstrap, String topic, long count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : c.partitionsFor(topic, Duration.ofSeconds(10))) parts.add(new TopicPartition(topic, i.partition()));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < count) {
                if (System.nanoTime() > deadline) throw new AssertionError("consumed only " + out.size() + " of " + count + " records");
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
