package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext daemon --kafka-bootstrap … --kafka-topic …} from the command line. Delivery to a real broker is tested
 * in netext-daemon (KafkaEventExporterTest, DaemonKafkaExportTest, a KRaft broker in the test JVM); here the broker is
 * absent — nothing listens on the bootstrap port in the daemon's namespace — and the daemon must not notice beyond
 * counting the loss: a pong tunnel starts, answers pings and stops on time, and /metrics counts the lost events.
 */
class KafkaExportIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void anAbsentBrokerNeitherBlocksNorSlowsTheDaemonAndTheLossIsCounted(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("kafka-dead");
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir, "--kafka-bootstrap", "127.0.0.1:9", "--kafka-topic", "netext-events")) {
            d.profile("pong.yaml", """
                    name: kafka-pong
                    tunnel:
                      provider: pong
                      interface: nxkdead0
                      settings:
                        addresses: [10.7.16.1/24]
                    """);
            long t0 = System.nanoTime();
            assertThat(d.cli("reload").output()).contains("started kafka-pong");
            d.awaitComponent("kafka-pong", c -> c.path("status").asText().equals("connected"), WAIT);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(WAIT);
            ExecResult ping = ns.run(Duration.ofSeconds(10), "ping", "-c", "2", "-i", "0.2", "-W", "3", "10.7.16.7");
            assertThat(ping.exitCode()).as(ping.output()).isZero();

            long deadline = System.nanoTime() + WAIT.toNanos();
            long lost = 0;
            String metrics = "";
            while (lost == 0 && System.nanoTime() < deadline) {
                metrics = d.scrape();
                Matcher m = Pattern.compile("netext_kafka_events_lost_total (\\d+)").matcher(metrics);
                if (m.find()) lost = Long.parseLong(m.group(1));
                Thread.sleep(200);
            }
            assertThat(lost).as(metrics).isPositive();
            assertThat(metrics).contains("netext_kafka_events_exported_total 0");
            // reported once through slf4j/logback, and the client's own reconnect warnings are not repeated
            assertThat(d.process.awaitLine(l -> l.startsWith("netext: warning: Kafka export to 127.0.0.1:9 topic netext-events"), WAIT))
                    .as(d.process.output()).isPresent();
            assertThat(d.process.output()).doesNotContain("NetworkClient").doesNotContain("ProducerConfig values");

            long stopStart = System.nanoTime();
            assertThat(d.stop()).as(d.process.output()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - stopStart)).as("stopping did not wait for the broker")
                    .isLessThan(Duration.ofSeconds(20));
            assertThat(ns.run("ip", "link", "show", "nxkdead0").exitCode()).isNotZero();
            // the JSON-lines export beside it is complete: the Kafka exporter's trouble is its own
            assertThat(d.exportedEvents()).anyMatch(e -> e.path("message_type").asText().equals("daemon.stopped"));
        }
    }

    @NetnsTest
    void incompleteOrMalformedKafkaOptionsAreRefusedBeforeAnythingStarts(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("kafka-opts");
        String[][] cases = {
                {"--kafka-topic", "t"},
                {"--kafka-bootstrap", "127.0.0.1:9092"},
                {"--kafka-bootstrap", "no-port", "--kafka-topic", "t"},
                {"--kafka-bootstrap", "127.0.0.1:9092", "--kafka-topic", "a/b"},
        };
        String[] expected = {"--kafka-topic needs --kafka-bootstrap", "--kafka-bootstrap needs --kafka-topic",
                "'no-port' is not HOST:PORT", "'a/b' is not a Kafka topic name"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 9];
            System.arraycopy(new String[]{"daemon", "--profiles-dir", dir.resolve("none").toString(), "--control",
                    dir.resolve("c" + i + ".sock").toString(), "--state-dir", dir.resolve("state").toString(), "--metrics", "off"}, 0, args, 0, 9);
            System.arraycopy(cases[i], 0, args, 9, cases[i].length);
            try (NetextProcess p = NetextProcess.start(ns, args)) {
                int rc = p.waitFor(WAIT);
                assertThat(rc).as(p.output()).isNotZero();
                assertThat(p.output()).contains(expected[i]).doesNotContain("ready");
            }
        }
    }
}
