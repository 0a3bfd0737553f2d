package dev.netext.daemon.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) in this JVM, on loopback, with its log in a temporary
 * directory that {@link #close} deletes. Formatted as {@code kafka-storage format} would, then started as
 * {@code kafka-server-start} would ({@link KafkaRaftServer}).
 */
final class KafkaBroker implements AutoCloseable {
    final int port;
    private final Path dir;
    private final KafkaRaftServer server;

    private KafkaBroker(int port, int controllerPort, Path dir) throws Exception {
        this.port = port;
        this.dir = dir;
        String logDir = dir.resolve("log").toString();
        Map<String, Object> p = new java.util.HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("log.dirs", logDir);
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        KafkaConfig config = new KafkaConfig(p);
        new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(1)
                .setDirectories(List.of(logDir))
                .setMetadataLogDirectory(logDir)
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
        this.server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
    }

    /** Formats and starts a broker on a free loopback port. */
    static KafkaBroker start() throws Exception {
        return start(freePort());
    }

    /** Formats and starts a broker on {@code port} (a port chosen earlier with {@link #freePort}). */
    static KafkaBroker start(int port) throws Exception {
        Path dir = Files.createTempDirectory("netext-kafka-");
        try {
            return new KafkaBroker(port, freePort(), dir);
        } catch (Exception | Error e) {
            delete(dir);
            throw e;
        }
    }

    String bootstrap() { return "127.0.0.1:" + port; }

    /** A loopback port nothing listens on now (bound and released: a tiny race, acceptable on port 0's pool). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
