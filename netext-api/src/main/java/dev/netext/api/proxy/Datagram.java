package dev.netext.api.proxy;

import dev.netext.api.flow.Endpoint;

import java.nio.ByteBuffer;

/**
 * One UDP datagram of a {@link ProxiedUdpFlow} with its remote endpoint: the destination for datagrams the application
 * sent, the source to show the application for datagrams written back. NE passes the two as parallel arrays to
 * {@code readDatagrams}/{@code writeDatagrams}; a record keeps them together. The payload is a read-only copy.
 */
public record Datagram(Endpoint remote, ByteBuffer payload) {
    public static final int MAX_PAYLOAD = 65_507;

    public Datagram {
        if (remote == null || payload == null) throw new IllegalArgumentException("remote and payload are required");
        if (payload.remaining() > MAX_PAYLOAD)
            throw new IllegalArgumentException("UDP payload of " + payload.remaining() + " bytes exceeds " + MAX_PAYLOAD);
        payload = ByteBuffer.allocate(payload.remaining()).put(payload.duplicate()).flip().asReadOnlyBuffer();
    }
}
