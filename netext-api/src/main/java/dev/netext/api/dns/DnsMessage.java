package dev.netext.api.dns;

import dev.netext.api.flow.Endpoint;

import java.nio.ByteBuffer;

/**
 * One raw DNS message on a {@link DnsFlow}, without TCP's two-byte length prefix, and the client endpoint it came
 * from or goes to (for UDP, each datagram's; for TCP, the connection's). The bytes are a read-only copy.
 */
public record DnsMessage(ByteBuffer bytes, Endpoint client) {
    /** The largest DNS message (RFC 1035 §4.2.2: TCP's 16-bit length). */
    public static final int MAX_SIZE = 65_535;

    public DnsMessage {
        if (bytes == null || client == null) throw new IllegalArgumentException("bytes and client are required");
        if (bytes.remaining() < 12) throw new IllegalArgumentException("a DNS message has a 12-byte header");
        if (bytes.remaining() > MAX_SIZE) throw new IllegalArgumentException("DNS message over " + MAX_SIZE + " bytes");
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes.duplicate()).flip();
        bytes = copy.asReadOnlyBuffer();
    }

    /** The message ID from the header. */
    public int id() { return bytes.getShort(bytes.position()) & 0xFFFF; }
}
