package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;

import java.util.concurrent.CompletableFuture;

/**
 * One way of asking one server: UDP ({@link UdpUpstream}), TCP ({@link TcpUpstream}); DNS over TLS and HTTPS plug in
 * here as further implementations. An upstream owns its sockets, gives every query a fresh random ID (RFC 5452 §4.3),
 * and completes a query only with a response whose ID, question and source all match; everything else is dropped.
 *
 * <p>Thread-safe: {@link #exchange} may be called from any thread; completions run on the upstream's I/O thread and
 * must not block.
 */
public interface Upstream extends AutoCloseable {

    /** The server's address (for DoH, the address connected to). */
    Endpoint address();

    /** How this upstream is written in logs and events: {@code udp://10.0.0.53:53}. */
    String describe();

    /**
     * Sends {@code query[0, length)}, a complete DNS message whose question section ends at {@code questionEnd},
     * and completes with the response, its ID set back to the query's. Fails with {@link UpstreamException} on
     * timeout, refusal, a closed connection or a malformed response.
     */
    CompletableFuture<byte[]> exchange(byte[] query, int length, int questionEnd, long timeoutMillis);

    /** Closes the sockets; pending queries fail. Idempotent. */
    @Override
    void close();
}
