package dev.netext.packetfilter;

import dev.netext.api.filter.ConntrackState;
import dev.netext.api.flow.Direction;

/**
 * What the data plane knows about a packet besides its bytes: filled in by the queue loop (or a test harness) for
 * each packet, reused.
 */
public final class PacketMeta {
    Direction direction = Direction.OUTBOUND;
    String interfaceName = "";
    ConntrackState conntrackState = ConntrackState.UNTRACKED;
    int conntrackMark;

    public PacketMeta set(Direction direction, String interfaceName, ConntrackState state, int conntrackMark) {
        this.direction = direction;
        this.interfaceName = interfaceName == null ? "" : interfaceName;
        this.conntrackState = state == null ? ConntrackState.UNTRACKED : state;
        this.conntrackMark = conntrackMark;
        return this;
    }

    public Direction direction() { return direction; }

    public String interfaceName() { return interfaceName; }

    public ConntrackState conntrackState() { return conntrackState; }

    public int conntrackMark() { return conntrackMark; }
}
