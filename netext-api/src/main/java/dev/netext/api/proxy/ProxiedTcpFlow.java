package dev.netext.api.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A claimed TCP flow: {@code NEAppProxyTCPFlow}, as a blocking byte stream. */
public non-sealed interface ProxiedTcpFlow extends ProxiedFlow {

    /** Reads what the application sent into {@code dst}, blocking until at least one byte; -1 once it shut down its side. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} to the application, blocking while its receive window is full. */
    void write(ByteBuffer src) throws IOException;

    /** Ends the direction toward the application (FIN) while still reading from it. */
    void shutdownOutput() throws IOException;
}
