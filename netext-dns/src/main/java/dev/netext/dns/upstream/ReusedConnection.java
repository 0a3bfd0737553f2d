package dev.netext.dns.upstream;

import io.netty.channel.Channel;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The one connection a stream upstream (DNS over TCP or TLS, DNS over HTTPS) pipelines every query on: opened on the
 * host's I/O threads by the first query, opened again by the first query after it died, closed with the upstream.
 * Each query is handed to the connection's own event loop, where everything else about it happens. A connection that
 * closed (idle, or closed by the server) while a query was on its way to that event loop never saw the query: it goes
 * out once more on a new connection, rather than failing and counting against a server that did nothing wrong.
 */
final class ReusedConnection<C extends ReusedConnection.Connection> {
    /** What an upstream's connection offers this class. */
    interface Connection {
        /** The connection's channel (its event loop runs {@link #send}). */
        Channel channel();

        /** Failed or closed: the next query opens a new one. Read from any thread. */
        boolean dead();

        /**
         * Sends {@code q} and completes {@code result}; on the channel's event loop. Returns false, leaving
         * {@code result} alone, when the connection had been open and closed before {@code q} could be written.
         */
        boolean send(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result);
    }

    private final UpstreamIo io;
    private final LongFunction<C> open; // connect timeout in ms → a connection being opened
    private final Supplier<String> describe;
    private C current; // guarded by this
    private volatile boolean closed;

    ReusedConnection(UpstreamIo io, LongFunction<C> open, Supplier<String> describe) {
        this.io = io;
        this.open = open;
        this.describe = describe;
    }

    /** {@link Upstream#exchange}: a copy of the query goes out on the current connection, or a new one. */
    CompletableFuture<byte[]> exchange(byte[] query, int length, int questionEnd, long timeoutMillis) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new UpstreamException(UpstreamException.Kind.CLOSED, describe.get() + " is closed"));
            return result;
        }
        byte[] q = Arrays.copyOf(query, length);
        io.onIoThread(() -> dispatch(q, questionEnd, timeoutMillis, result, true), result);
        return result;
    }

    /** On an I/O thread: hands {@code q} to the current connection's event loop, or once more to a new connection. */
    private void dispatch(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result, boolean first) {
        C c = connection(timeoutMillis);
        c.channel().eventLoop().execute(() -> {
            if (c.send(q, questionEnd, timeoutMillis, result)) return;
            if (first && !closed) {
                dispatch(q, questionEnd, timeoutMillis, result, false);
            } else {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.CLOSED, describe.get() + ": connection closed"));
            }
        });
    }

    /** The connection now, or null. */
    synchronized C current() { return current; }

    private synchronized C connection(long timeoutMillis) {
        if (current == null || current.dead()) current = open.apply(timeoutMillis);
        return current;
    }

    /** Refuses further queries and closes the connection. */
    void close() {
        closed = true;
        synchronized (this) {
            if (current != null) current.channel().close();
            current = null;
        }
    }
}
