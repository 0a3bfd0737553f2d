package dev.netext.daemon.kafka;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.LogEntry;
import dev.netext.daemon.events.Subscription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Produces the event log to a Kafka topic, one record per event, on a thread of its own:
 *
 * <pre>
 *   subscription (bounded: a slow or absent broker costs a Gap record, never a slow producer of events)
 *     → record: key = flow id (decimal) when the event has one, else the provider name; value = the JSON line
 *       ({@link EventJson}, docs/events.schema.json)
 *     → KafkaProducer: batched (linger), bounded buffer, idempotent (acks=all, ≤ 5 in flight), so retries keep the
 *       order of one key's records in its partition
 *     → delivery callback: acknowledged, or lost (its sequence number joins the next Gap record)
 * </pre>
 *
 * One flow's events share a key and so a partition, where Kafka keeps them in sequence order; events of different
 * flows may interleave differently across partitions, and their {@code seq} restores the global order. A Gap record
 * ({@code {"type":"Gap","first_seq":…,"last_seq":…,"count":…}}, key {@value #GAP_KEY}) reports {@code count} events
 * between those sequence numbers that were dropped — because the subscription overflowed while the broker was slow
 * or away, because the broker counted as away, or because their delivery failed — and is produced before the next
 * event, or once the exporter is idle. Memory is bounded by the subscription's capacity plus the producer's buffer.
 */
public final class KafkaEventExporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventExporter.class);
    /** The key of Gap records, which belong to no flow and no provider. */
    public static final String GAP_KEY = "netext.gap";
    private static final long REPORT_EVERY_NANOS = Duration.ofSeconds(30).toNanos();

    /**
     * Tunables; {@link #DEFAULTS} suits a broker on the local network.
     *
     * @param linger        how long the producer waits to fill a batch
     * @param bufferBytes   the producer's buffer (records waiting for the broker); bounded
     * @param metadataWait  how long one send may wait for the topic's metadata or for buffer space (max.block.ms);
     *                      the event log never waits, only this exporter's thread
     * @param requestTimeout one produce request
     * @param deliveryTimeout a record is given up (and reported in a Gap) after this long without acknowledgement
     * @param queueCapacity the subscription's capacity
     */
    public record Settings(Duration linger, int bufferBytes, Duration metadataWait, Duration requestTimeout,
                           Duration deliveryTimeout, int queueCapacity) {
        public static final Settings DEFAULTS = new Settings(Duration.ofMillis(50), 8 << 20, Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(30), EventLog.DEFAULT_SUBSCRIBER_CAPACITY);

        public Settings {
            if (deliveryTimeout.compareTo(linger.plus(requestTimeout)) < 0)
                throw new IllegalArgumentException("delivery timeout must be at least linger + request timeout");
            if (bufferBytes < 64 << 10 || queueCapacity < 2) throw new IllegalArgumentException("buffer or queue too small");
        }
    }

    private final KafkaTarget target;
    private final Settings settings;
    private final Subscription subscription;
    private final EventJson json;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final AtomicLong exported = new AtomicLong(), lost = new AtomicLong(), gapRecords = new AtomicLong();
    private final Object lossLock = new Object();
    // sequence numbers whose delivery failed and that no Gap record has reported yet
    private long lossFirst = Long.MAX_VALUE, lossLast = Long.MIN_VALUE, lossCount;
    private volatile boolean closing;
    private volatile boolean unreachable; // the last send could not get metadata or buffer space in time
    private volatile long retryAtNanos;   // until then, events are dropped without asking the broker
    private long lastReportNanos = System.nanoTime() - REPORT_EVERY_NANOS;

    private KafkaEventExporter(EventLog log, KafkaTarget target, Settings settings) {
        this.target = target;
        this.settings = settings;
        this.json = new EventJson(log::wallTime);
        this.producer = producer(target, settings);
        this.subscription = log.subscribe(log.lastSequence(), _ -> true, settings.queueCapacity());
        this.thread = Thread.ofPlatform().name("netext-kafka-export").daemon(true).start(this::run);
    }

    /**
     * Exports every event from now on to {@code target}. Connects in the background: an absent broker is not an error
     * here (its events are dropped and reported once it is back), a bootstrap address that cannot work is an
     * {@link IllegalArgumentException}.
     */
    public static KafkaEventExporter start(EventLog log, KafkaTarget target, Settings settings) {
        return new KafkaEventExporter(log, target, settings);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaTarget target, Settings s) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "netextd-events");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, (int) s.linger().toMillis());
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, (long) s.bufferBytes());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, s.metadataWait().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) s.requestTimeout().toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) s.deliveryTimeout().toMillis());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"); // the codec libraries are not shipped
        try {
            return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("Kafka bootstrap '" + target.bootstrap() + "': " + cause.getMessage(), e);
        }
    }

    public KafkaTarget target() { return target; }

    /** Event records the broker acknowledged. */
    public long exported() { return exported.get(); }

    /** Events that never reached the broker: dropped while it was slow or away, or whose delivery failed. */
    public long lost() { return lost.get(); }

    /** Gap records produced (each reports a run of lost events). */
    public long gapRecords() { return gapRecords.get(); }

    /** The record key of an event: its flow id when it concerns a flow, else its provider. */
    public static String key(ProviderEvent e) {
        long flow = EventLog.flowOf(e);
        return flow != ProviderEvent.NO_FLOW ? Long.toString(flow) : e.provider();
    }

    private void run() {
        try {
            while (true) {
                LogEntry e = subscription.take(Duration.ofMillis(200));
                if (e == null) {
                    if (closing) break;
                    // idle: a loss not yet reported is reported now, which also probes a broker that was away
                    if (!unreachable || System.nanoTime() >= retryAtNanos) sendLoss();
                    continue;
                }
                switch (e) {
                    case LogEntry.Gap g -> lose(g.firstSequence(), g.lastSequence(), g.count(), null);
                    case LogEntry.Recorded r -> {
                        // an absent broker is asked again once per metadataWait, not once per event: the events
                        // between are dropped at once (and reported), so the queue drains and the loss is known
                        if (unreachable && (closing || System.nanoTime() < retryAtNanos)) {
                            lose(r.event().sequence(), r.event().sequence(), 1, null);
                            continue;
                        }
                        sendLoss();
                        send(key(r.event()), json.line(e), r.event().sequence(), null);
                    }
                }
            }
            if (!unreachable) sendLoss();
        } catch (InterruptedException | InterruptException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Kafka export to {} stopped: {}", target, e.toString());
        }
    }

    /** Produces a Gap record for the loss not yet reported, if any. */
    private void sendLoss() {
        LogEntry.Gap g = takeLoss();
        if (g != null) send(GAP_KEY, json.line(g), -1, g);
    }

    /** Produces one record; {@code gap} is the loss a Gap record reports (null for an event). */
    private void send(String key, String value, long seq, LogEntry.Gap gap) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(target.topic(),
                key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    unreachable = false;
                    if (gap == null) exported.incrementAndGet();
                    else gapRecords.incrementAndGet();
                } else { // for a metadata timeout this runs on the exporter's thread, inside send()
                    brokerTrouble();
                    failed(seq, gap, error);
                }
            });
        } catch (KafkaException ex) { // no metadata or no buffer space within metadataWait, or closed
            if (ex instanceof InterruptException) throw ex;
            brokerTrouble();
            failed(seq, gap, ex);
        }
    }

    private void brokerTrouble() {
        retryAtNanos = System.nanoTime() + settings.metadataWait().toNanos();
        unreachable = true;
    }

    /** A record was not delivered: its event joins the next Gap record (a lost Gap record's events return to it). */
    private void failed(long seq, LogEntry.Gap gap, Exception error) {
        if (gap == null) lose(seq, seq, 1, error);
        else merge(gap.firstSequence(), gap.lastSequence(), gap.count());
    }

    /** Counts {@code count} lost events between {@code first} and {@code last}, to be reported in the next Gap record. */
    private void lose(long first, long last, long count, Exception error) {
        lost.addAndGet(count);
        merge(first, last, count);
        report(error == null ? "dropped events while the broker was slow or away (last seq " + last + ")"
                : "event seq " + last + " not delivered: " + error);
    }

    private void merge(long first, long last, long count) {
        synchronized (lossLock) {
            lossFirst = Math.min(lossFirst, first);
            lossLast = Math.max(lossLast, last);
            lossCount += count;
        }
    }

    private LogEntry.Gap takeLoss() {
        synchronized (lossLock) {
            if (lossCount == 0) return null;
            LogEntry.Gap g = new LogEntry.Gap(lossFirst, lossLast, lossCount);
            lossFirst = Long.MAX_VALUE;
            lossLast = Long.MIN_VALUE;
            lossCount = 0;
            return g;
        }
    }

    /** A warning at most every 30 s: an absent broker must not flood the log either. */
    private void report(String what) {
        long now = System.nanoTime();
        synchronized (lossLock) {
            if (now - lastReportNanos < REPORT_EVERY_NANOS) return;
            lastReportNanos = now;
        }
        LOG.warn("Kafka export to {} topic {}: {} ({} events lost so far)", target.bootstrap(), target.topic(), what, lost.get());
    }

    /**
     * Produces what is queued and waits for its acknowledgements, then stops; waits at most {@code timeout} in all.
     * With the broker away, what is queued is counted as lost instead.
     */
    public void close(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        subscription.close();
        closing = true;
        thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (thread.isAlive()) thread.interrupt();
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(5));
    }
}
