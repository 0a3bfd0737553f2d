package dev.netext.daemon.otlp;

import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.LogEntry;
import dev.netext.daemon.events.Subscription;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends the event log to an OTLP/HTTP collector as logs ({@code POST <endpoint>/v1/logs}, JSON encoding), on a thread
 * of its own:
 *
 * <pre>
 *   subscription (bounded: a slow collector costs a Gap record, never a slow producer)
 *     → batch: up to maxBatch entries, or what arrived within flushInterval
 *     → POST; 2xx done · 429/502/503/504/connection failure: retry after backoff (Retry-After honoured), at most
 *       maxAttempts · other 4xx/5xx: the batch is dropped and counted
 * </pre>
 *
 * While a batch is retried the subscription keeps filling; past its capacity entries are dropped for this exporter
 * only and the next batch starts with a Gap record saying so. Memory is bounded by the subscription's capacity plus
 * one batch.
 */
public final class OtlpLogsExporter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OtlpLogsExporter.class.getName());

    /** Tunables; {@link #DEFAULTS} suits a collector on the same host. */
    public record Settings(int maxBatch, Duration flushInterval, int maxAttempts, Duration initialBackoff,
                           Duration maxBackoff, Duration requestTimeout, int queueCapacity) {
        public static final Settings DEFAULTS = new Settings(512, Duration.ofSeconds(1), 6, Duration.ofMillis(500),
                Duration.ofSeconds(30), Duration.ofSeconds(10), EventLog.DEFAULT_SUBSCRIBER_CAPACITY);
    }

    private final URI logsUri;
    private final Settings settings;
    private final Subscription subscription;
    private final OtlpLogsJson encoder;
    private final HttpClient http;
    private final Thread thread;
    private final AtomicLong exported = new AtomicLong(), droppedBatches = new AtomicLong(), retries = new AtomicLong();
    private volatile boolean closing;

    private OtlpLogsExporter(EventLog log, URI endpoint, Settings settings, Map<String, String> resource) {
        this.logsUri = logsUri(endpoint);
        this.settings = settings;
        this.subscription = log.subscribe(log.lastSequence(), _ -> true, settings.queueCapacity());
        this.encoder = new OtlpLogsJson(log::wallTime, resource);
        this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).version(HttpClient.Version.HTTP_1_1).build();
        this.thread = Thread.ofPlatform().name("netext-otlp-export").daemon(true).start(this::run);
    }

    /**
     * Exports every event from now on to {@code endpoint} (the collector's base URL, e.g. {@code http://127.0.0.1:4318};
     * {@code /v1/logs} is appended unless the URL already ends with it).
     */
    public static OtlpLogsExporter start(EventLog log, URI endpoint, Settings settings, Map<String, String> resource) {
        return new OtlpLogsExporter(log, endpoint, settings, resource);
    }

    /** The {@code /v1/logs} URL of a collector base URL; an unusable URL is an {@link IllegalArgumentException}. */
    public static URI logsUri(URI endpoint) {
        String s = endpoint.toString();
        if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme()) || endpoint.getHost() == null)
            throw new IllegalArgumentException("OTLP endpoint must be an http:// or https:// URL, like http://127.0.0.1:4318; got " + s);
        if (s.endsWith("/v1/logs")) return endpoint;
        return URI.create(s.replaceAll("/+$", "") + "/v1/logs");
    }

    public URI uri() { return logsUri; }

    /** Log records the collector accepted. */
    public long exported() { return exported.get(); }

    /** Batches given up on (permanent errors or attempts exhausted). */
    public long droppedBatches() { return droppedBatches.get(); }

    /** Retried requests. */
    public long retries() { return retries.get(); }

    private void run() {
        List<LogEntry> batch = new ArrayList<>(settings.maxBatch());
        try {
            while (true) {
                LogEntry first = subscription.take(Duration.ofMillis(200));
                if (first == null) {
                    if (closing) break;
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + settings.flushInterval().toNanos();
                while (batch.size() < settings.maxBatch()) {
                    LogEntry e = subscription.poll();
                    if (e == null) {
                        if (closing) break;
                        long left = deadline - System.nanoTime();
                        if (left <= 0) break;
                        e = subscription.take(Duration.ofNanos(Math.min(left, 50_000_000L)));
                        if (e == null) continue;
                    }
                    batch.add(e);
                }
                send(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(List<LogEntry> batch) throws InterruptedException {
        byte[] body = encoder.request(batch, nowNanos()).toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(logsUri).timeout(settings.requestTimeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        Duration backoff = settings.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            String problem;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int code = r.statusCode();
                if (code / 100 == 2) {
                    exported.addAndGet(batch.size());
                    return;
                }
                problem = "HTTP " + code;
                if (!retryable(code)) {
                    drop(batch, problem + " " + abbreviate(r.body()));
                    return;
                }
                wait = retryAfter(r).orElse(backoff);
            } catch (IOException e) {
                problem = e.toString();
                wait = backoff;
            }
            if (attempt >= settings.maxAttempts() || closing && attempt >= 2) {
                drop(batch, problem + " after " + attempt + " attempts");
                return;
            }
            retries.incrementAndGet();
            Thread.sleep(Math.min(wait.toMillis(), settings.maxBackoff().toMillis()));
            backoff = backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : backoff.multipliedBy(2);
        }
    }

    /** OTLP/HTTP: 429, 502, 503 and 504 are retryable; everything else is not. */
    static boolean retryable(int code) {
        return code == 429 || code == 502 || code == 503 || code == 504;
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                long s = Long.parseLong(v.strip());
                return s >= 0 ? Optional.of(Duration.ofSeconds(s)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty(); // an HTTP date: use our own backoff
            }
        });
    }

    private void drop(List<LogEntry> batch, String why) {
        droppedBatches.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "OTLP export to " + logsUri + ": dropped " + batch.size() + " log records: " + why);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static long nowNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Sends what is queued (one attempt more for a failing batch), then stops; waits at most {@code timeout}. */
    public void close(Duration timeout) throws InterruptedException {
        subscription.close();
        closing = true;
        thread.join(timeout);
        if (thread.isAlive()) thread.interrupt();
        http.close();
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(5));
    }
}
