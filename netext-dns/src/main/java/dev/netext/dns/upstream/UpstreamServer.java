package dev.netext.dns.upstream;

import dev.netext.dns.wire.DnsWire;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

/**
 * One configured server: its primary {@link Upstream} (UDP for a plain address), the TCP upstream a truncated UDP
 * answer is retried over (RFC 7766 §5), and its health. A server that failed {@link #FAILURES_TO_MARK_DOWN} times in
 * a row is "down" for a back-off that doubles up to {@link #MAX_BACKOFF_NANOS}; groups try down servers last, and
 * still try them. Health follows the primary transport: a server that answered over it is alive, so a failed retry
 * of its truncated answer fails the query ({@link TruncationRetryFailed}) without counting against the server.
 */
public final class UpstreamServer implements AutoCloseable {
    static final int FAILURES_TO_MARK_DOWN = 2;
    static final long BASE_BACKOFF_NANOS = 5_000_000_000L;
    static final long MAX_BACKOFF_NANOS = 60_000_000_000L;

    /** An answer and who gave it. */
    public record Answer(byte[] message, UpstreamServer server, boolean viaTcp) {
        public int rcode() { return DnsWire.u16(message, DnsWire.FLAGS) & DnsWire.RCODE_MASK; }

        /** The upstream that gave the answer: {@code tcp://…} when a truncated UDP answer was retried over TCP. */
        public String describe() { return viaTcp ? server.truncationFallback.describe() : server.primary.describe(); }
    }

    private final ServerSpec spec;
    private final Upstream primary;
    private final Upstream truncationFallback;
    private final LongSupplier nanos;
    private int consecutiveFailures; // guarded by this
    private long downUntil;          // guarded by this

    public UpstreamServer(ServerSpec spec, Upstream primary, Upstream truncationFallback, LongSupplier nanos) {
        this.spec = spec;
        this.primary = primary;
        this.truncationFallback = truncationFallback;
        this.nanos = nanos;
    }

    public ServerSpec spec() { return spec; }

    public Upstream primary() { return primary; }

    public String describe() { return primary.describe(); }

    /**
     * The server answered over its primary transport, truncated, and asking again over TCP failed: this query has no
     * answer from this server, but the server is not down.
     */
    public static final class TruncationRetryFailed extends IOException {
        TruncationRetryFailed(Throwable cause) {
            super(cause.getMessage(), cause);
        }

        /** Expected, like {@link UpstreamException}: no stack trace. */
        @Override
        public synchronized Throwable fillInStackTrace() { return this; }
    }

    /** Asks this server; a truncated UDP answer is asked again over TCP. */
    public CompletableFuture<Answer> exchange(byte[] query, int length, int questionEnd, long timeoutMillis) {
        return primary.exchange(query, length, questionEnd, timeoutMillis).thenCompose(msg -> {
            boolean tc = (DnsWire.u16(msg, DnsWire.FLAGS) & DnsWire.FLAG_TC) != 0;
            if (!tc || truncationFallback == null) return CompletableFuture.completedFuture(new Answer(msg, this, false));
            return truncationFallback.exchange(query, length, questionEnd, timeoutMillis).handle((m, error) -> {
                if (error != null) throw new CompletionException(new TruncationRetryFailed(unwrap(error)));
                return new Answer(m, this, true);
            });
        });
    }

    /** The cause a {@link CompletionException} carries, or {@code t}. */
    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : t;
    }

    public synchronized boolean healthy() { return nanos.getAsLong() - downUntil >= 0 || consecutiveFailures < FAILURES_TO_MARK_DOWN; }

    synchronized void succeeded() {
        consecutiveFailures = 0;
        downUntil = 0;
    }

    synchronized void failed() {
        consecutiveFailures++;
        if (consecutiveFailures >= FAILURES_TO_MARK_DOWN) {
            int over = Math.min(consecutiveFailures - FAILURES_TO_MARK_DOWN, 4);
            downUntil = nanos.getAsLong() + Math.min(MAX_BACKOFF_NANOS, BASE_BACKOFF_NANOS << over);
        }
    }

    public synchronized int consecutiveFailures() { return consecutiveFailures; }

    @Override
    public void close() {
        primary.close();
        if (truncationFallback != null) truncationFallback.close();
    }
}
