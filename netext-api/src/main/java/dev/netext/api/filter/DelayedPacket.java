package dev.netext.api.filter;

import java.nio.ByteBuffer;

/**
 * A packet held by {@link PacketVerdict.Delay}: NE's {@code delayCurrentPacket(_:)} result and
 * {@code allow(_:)}, plus drop and modify. Release it from any thread, exactly once; later calls return
 * {@code false}. A packet not released within {@link PacketContext#MAX_DELAY} is dropped by the host and the drop
 * is published as a packet-verdict event.
 */
public interface DelayedPacket {

    /** A read-only copy of the packet. */
    ByteBuffer packet();

    /** Lets the packet continue. {@code false} if it was already released or expired. */
    boolean allow();

    /** Discards the packet. {@code false} if it was already released or expired. */
    boolean drop();

    /** Lets a replacement continue in its place; see {@link PacketVerdict.Modify}. */
    boolean modify(PacketVerdict.Modify replacement);

    /** Whether the packet is still held. */
    boolean isPending();
}
