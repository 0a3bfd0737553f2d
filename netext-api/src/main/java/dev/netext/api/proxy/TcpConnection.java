package dev.netext.api.proxy;

import dev.netext.api.flow.Endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A TCP connection the host opened for a proxy ({@link ProxyContext#openTcp}): NE's {@code NWTCPConnection} from
 * {@code NEProvider.createTCPConnection(to:enableTLS:tlsParameters:delegate:)}, as a blocking byte stream. One reader
 * thread and one writer thread at a time.
 */
public interface TcpConnection extends AutoCloseable {

    /** The address connected to (a host name given to {@code openTcp} resolved). */
    Endpoint remote();

    /** Reads into {@code dst}, blocking until at least one byte; -1 once the remote shut down its side. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}, blocking while the send buffer is full. */
    void write(ByteBuffer src) throws IOException;

    /** Ends the direction toward the remote (FIN) while still reading from it. */
    void shutdownOutput() throws IOException;

    /** Closes both directions. Idempotent. */
    @Override
    void close();
}
