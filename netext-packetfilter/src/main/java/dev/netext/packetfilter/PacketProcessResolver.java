package dev.netext.packetfilter;

import dev.netext.api.flow.Direction;
import dev.netext.api.flow.ProcessInfo;

import java.nio.ByteBuffer;

/**
 * Finds the local process behind a queued packet, for {@link dev.netext.api.filter.PacketContext#process()}. Called
 * lazily — only when a provider asks — because a lookup costs a netlink round trip and a /proc scan.
 */
@FunctionalInterface
public interface PacketProcessResolver {
    /** For tests and hosts without attribution: every packet's process is unknown. */
    PacketProcessResolver NONE = (packet, direction, flowId) -> ProcessInfo.UNKNOWN;

    /**
     * @param packet    the raw IP packet (position at its first byte; not modified)
     * @param direction whether it leaves or enters this host, which decides which end is local
     * @param flowId    the packet's flow id, or 0 when untracked (no caching by flow)
     */
    ProcessInfo resolve(ByteBuffer packet, Direction direction, long flowId);
}
