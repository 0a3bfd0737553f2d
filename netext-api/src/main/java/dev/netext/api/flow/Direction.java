package dev.netext.api.flow;

/**
 * Who opened a flow, or which way a packet or byte travels: {@code NETrafficDirection} without {@code any} (rules that
 * match both directions leave the direction out).
 */
public enum Direction {
    /** Opened by a local process, toward the network; for data, from the local process to the remote. */
    OUTBOUND,
    /** Accepted by a local process from the network; for data, from the remote to the local process. */
    INBOUND;

    public Direction reverse() { return this == OUTBOUND ? INBOUND : OUTBOUND; }
}
