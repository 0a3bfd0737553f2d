package dev.netext.api.dns;

import dev.netext.api.flow.Flow;

import java.io.IOException;
import java.util.Optional;

/**
 * A claimed DNS flow, message by message: {@code NEAppProxyUDPFlow} / {@code NEAppProxyTCPFlow} as an NE DNS proxy
 * sees them, with framing done (datagram boundaries for UDP, length prefixes for TCP). Blocking; one reader and one
 * writer thread at a time.
 */
public interface DnsFlow extends AutoCloseable {

    Flow flow();

    /** The next query from the client, blocking; empty once the client closed the flow or the provider stops. */
    Optional<DnsMessage> readMessage() throws IOException;

    /** Sends a response to the message's client endpoint. Over UDP the provider is responsible for truncation. */
    void writeMessage(DnsMessage response) throws IOException;

    /** Closes the flow; further reads return empty. Idempotent. */
    @Override
    void close();
}
