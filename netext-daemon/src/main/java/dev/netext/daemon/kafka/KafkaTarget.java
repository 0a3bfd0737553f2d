package dev.netext.daemon.kafka;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the event log goes: a broker to bootstrap from ({@code HOST:PORT}, or several separated by commas) and a topic.
 * Checked when built, so {@code netext daemon --kafka-bootstrap … --kafka-topic …} fails before anything starts.
 */
public record KafkaTarget(String bootstrap, String topic) {
    /** Kafka's own rule for topic names (org.apache.kafka.common.internals.Topic): 1-249 of [a-zA-Z0-9._-]. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[^\\s,:\\[\\]]+):(\\d{1,5})");

    public KafkaTarget {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(topic, "topic");
        bootstrap = bootstrap.strip();
        topic = topic.strip();
        if (bootstrap.isEmpty()) throw new IllegalArgumentException("the bootstrap address is empty; give HOST:PORT, like 127.0.0.1:9092");
        for (String server : bootstrap.split(",", -1)) {
            var m = HOST_PORT.matcher(server.strip());
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535)
                throw new IllegalArgumentException("'" + server.strip() + "' is not HOST:PORT (like 127.0.0.1:9092 or [::1]:9092)");
        }
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals(".."))
            throw new IllegalArgumentException("'" + topic + "' is not a Kafka topic name (1-249 of letters, digits, '.', '_', '-')");
    }
}
