package dev.netext.daemon.kafka;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.daemon.events.EventLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code bench/kafka-export.sh}: how fast the exporter drains the event log into a real single-node broker on loopback
 * (in this JVM), and what publishing costs while it does. Publishes N {@code FlowVerdict} events of 64 flows in
 * bursts sized to the subscription, so nothing is dropped, then waits for every acknowledgement. Not a test.
 */
public final class KafkaExportBench {
    private KafkaExportBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        try (KafkaBroker broker = KafkaBroker.start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("bench", 3, (short) 1))).all().get();
            }
            for (int round = 1; round <= rounds; round++) {
                EventLog log = new EventLog();
                try (KafkaEventExporter x = KafkaEventExporter.start(log, new KafkaTarget(broker.bootstrap(), "bench"),
                        KafkaEventExporter.Settings.DEFAULTS)) {
                    long publishNanos = 0, t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        // stay inside the subscription's capacity: this measures delivery, not dropping
                        while (i - x.exported() - x.lost() >= EventLog.DEFAULT_SUBSCRIBER_CAPACITY / 2) Thread.onSpinWait();
                        long flow = 1 + i % 64;
                        long p0 = System.nanoTime();
                        log.publish((s, t) -> new ProviderEvent.FlowVerdict(s, t, "web", flow, FinalVerdict.ALLOW, 1000));
                        publishNanos += System.nanoTime() - p0;
                    }
                    while (x.exported() + x.lost() < n) Thread.sleep(1);
                    Duration took = Duration.ofNanos(System.nanoTime() - t0);
                    System.out.printf("round %d: %d events acknowledged in %d ms = %.0f events/s; lost %d; publish %.0f ns/event%n",
                            round, x.exported(), took.toMillis(), x.exported() * 1e9 / took.toNanos(), x.lost(),
                            (double) publishNanos / n);
                }
            }
        }
    }
}
