package dev.netext.api.proxy;

import dev.netext.api.flow.Endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A connected UDP socket the host opened for a proxy ({@link ProxyContext#openUdp}): NE's {@code NWUDPSession} from
 * {@code NEProvider.createUDPSession(to:from:)}, blocking. Datagrams go to and come only from {@link #remote()}.
 */
public interface UdpSession extends AutoCloseable {

    /** The address the session is connected to. */
    Endpoint remote();

    /** Sends {@code payload} (its remaining bytes) as one datagram. */
    void send(ByteBuffer payload) throws IOException;

    /**
     * Waits up to {@code timeout} for the next datagram and copies it into {@code dst} (cut to its space); returns
     * the datagram's length, or -1 when none came in time or the session is closed.
     */
    int receive(ByteBuffer dst, Duration timeout) throws IOException;

    /** Closes the socket. Idempotent. */
    @Override
    void close();
}
