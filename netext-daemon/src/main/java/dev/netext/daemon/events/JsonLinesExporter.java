package dev.netext.daemon.events;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Writes the event log as JSON lines ({@link EventJson}) to a file (appended) or a stream, on a thread of its own,
 * from a subscription: a slow disk produces a {@code Gap} line, never a slow producer. Flushes whenever the queue
 * runs dry, so a {@code tail -f} sees events within a moment.
 */
public final class JsonLinesExporter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JsonLinesExporter.class.getName());

    private final Subscription subscription;
    private final Writer out;
    private final EventJson json;
    private final Thread thread;
    private volatile boolean closing;

    private JsonLinesExporter(EventLog log, Writer out) {
        this.subscription = log.subscribe(log.lastSequence(), _ -> true, EventLog.DEFAULT_SUBSCRIBER_CAPACITY);
        this.out = out;
        this.json = new EventJson(log::wallTime);
        this.thread = Thread.ofPlatform().name("netext-event-export").daemon(true).start(this::run);
    }

    /** Exports every event from now on to {@code file}, appending. */
    public static JsonLinesExporter toFile(EventLog log, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        return new JsonLinesExporter(log, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
    }

    /** Exports every event from now on to {@code stream} (not closed by {@link #close}, only flushed). */
    public static JsonLinesExporter toStream(EventLog log, OutputStream stream) {
        Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8)) {
            @Override public void close() throws IOException { flush(); }
        };
        return new JsonLinesExporter(log, w);
    }

    private void run() {
        try {
            while (true) {
                LogEntry e = subscription.poll();
                if (e == null) {
                    out.flush();
                    if (closing) break;
                    e = subscription.take(Duration.ofMillis(200));
                    if (e == null) continue;
                }
                out.write(json.line(e));
                out.write('\n');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "event export stopped: " + e);
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more to write to
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() throws InterruptedException {
        subscription.close(); // no new entries; the thread drains what is queued
        closing = true;
        thread.join(Duration.ofSeconds(5));
    }
}
