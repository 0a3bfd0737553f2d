package dev.netext.dns.server;

import dev.netext.api.dns.DnsFlow;
import dev.netext.api.dns.DnsMessage;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A DNS flow a {@link dev.netext.api.dns.DnsFlowHandler} claimed: the I/O thread {@linkplain #deliver delivers} each
 * whole message into a bounded inbox; the provider's thread reads them and writes responses, which go straight out
 * through the listener (UDP, to the message's client) or the connection (TCP, length-prefixed).
 *
 * <p>A UDP flow ends after {@code idleNanos} without a datagram (UDP has no close); a TCP flow when the client
 * closes. Either ends when the provider closes it, which for TCP also closes the connection.
 */
final class RawDnsFlow implements DnsFlow {
    /** Messages waiting for the provider at most; more are dropped (UDP: the client retries) or end the flow (TCP). */
    static final int INBOX = 64;
    /** The largest UDP payload (65535 minus IP and UDP headers). */
    static final int MAX_UDP_RESPONSE = 65_507;

    /** How responses leave: a datagram to one client, or a frame on the connection. */
    interface Output {
        void send(byte[] msg, int length, InetSocketAddress client);

        /** Releases the transport (TCP: closes the connection); idempotent. */
        void close();
    }

    /** Ends the input in the inbox: queued behind the messages still to read. */
    private static final Object END_MARKER = new Object();

    private final Flow flow;
    private final boolean udp;
    private final Output output;
    private final long idleNanos;
    private final Runnable onClose;
    private final BlockingQueue<Object> inbox = new ArrayBlockingQueue<>(INBOX + 1);
    private volatile boolean closed;

    RawDnsFlow(Flow flow, boolean udp, Output output, long idleNanos, Runnable onClose) {
        this.flow = flow;
        this.udp = udp;
        this.output = output;
        this.idleNanos = idleNanos;
        this.onClose = onClose;
    }

    @Override
    public Flow flow() { return flow; }

    /**
     * Hands a message from the client to the provider (I/O thread). Returns false when it was not taken: the flow is
     * closed, the message is not a DNS message at all, or the provider is {@link #INBOX} messages behind.
     */
    boolean deliver(byte[] msg, int length, InetSocketAddress client) {
        if (closed || length < 12) return false;
        DnsMessage m = new DnsMessage(ByteBuffer.wrap(msg, 0, length), Endpoint.of(client));
        return inbox.size() < INBOX && inbox.offer(m);
    }

    /** The client will send nothing more (TCP connection closed): reads return empty once the inbox is drained. */
    void endOfInput() {
        inbox.offer(END_MARKER);
    }

    @Override
    public Optional<DnsMessage> readMessage() throws IOException {
        if (closed && inbox.isEmpty()) return Optional.empty();
        try {
            Object next = udp ? inbox.poll(idleNanos, TimeUnit.NANOSECONDS) : inbox.take();
            if (next == null || next == END_MARKER) { // idle UDP flow, or TCP client gone
                if (next == END_MARKER) inbox.offer(END_MARKER); // later reads see the end too
                close();
                return Optional.empty();
            }
            return Optional.of((DnsMessage) next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return Optional.empty();
        }
    }

    @Override
    public void writeMessage(DnsMessage response) throws IOException {
        if (closed) throw new IOException("the DNS flow is closed");
        ByteBuffer b = response.bytes();
        int n = b.remaining();
        if (udp && n > MAX_UDP_RESPONSE)
            throw new IOException("a " + n + "-byte response does not fit a UDP datagram; truncate it (TC) first");
        byte[] bytes = new byte[n];
        b.duplicate().get(bytes);
        output.send(bytes, n, udp ? response.client().toSocketAddress() : null);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        inbox.offer(END_MARKER); // wakes a reader
        onClose.run();
        output.close();
    }

    boolean isClosed() { return closed; }
}
