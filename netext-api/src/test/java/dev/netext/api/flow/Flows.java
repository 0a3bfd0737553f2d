package dev.netext.api.flow;

import java.time.Instant;
import java.util.Optional;

/** Flow fixtures for tests. */
public final class Flows {
    private Flows() {}

    public static TcpFlow tcp(long id, String local, String remote) {
        return new TcpFlow(id, Direction.OUTBOUND, Endpoint.parse(local), Endpoint.parse(remote), null, null,
                Optional.of("eth0"), Instant.EPOCH);
    }

    public static UdpFlow udp(long id, String local, String remote) {
        return new UdpFlow(id, Direction.OUTBOUND, Endpoint.parse(local), Endpoint.parse(remote), null, null,
                null, Instant.EPOCH);
    }
}
