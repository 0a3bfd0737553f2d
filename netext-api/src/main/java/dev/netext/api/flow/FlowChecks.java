package dev.netext.api.flow;

import java.time.Instant;

/** The invariants {@link TcpFlow} and {@link UdpFlow} share. */
final class FlowChecks {
    private FlowChecks() {}

    static void validate(long id, Direction direction, Endpoint local, Endpoint remote, Instant created) {
        if (id <= 0) throw new IllegalArgumentException("flow id must be positive, was " + id);
        if (direction == null) throw new IllegalArgumentException("direction is null");
        if (local == null || remote == null) throw new IllegalArgumentException("endpoint is null");
        if (local.family() != remote.family())
            throw new IllegalArgumentException("local " + local + " and remote " + remote + " differ in family");
        if (created == null) throw new IllegalArgumentException("created is null");
    }
}
