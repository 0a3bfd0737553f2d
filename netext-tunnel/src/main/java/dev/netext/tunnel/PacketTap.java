package dev.netext.tunnel;

import dev.netext.api.tunnel.PacketBatch;

/**
 * Sees a tunnel's packets as they pass between the device and the provider, for capture. Called on the provider's
 * own threads, inside {@code readPackets}/{@code writePackets}: an implementation copies what it keeps, never
 * blocks, and never throws. A runtime without a tap pays one volatile read per batch.
 */
public interface PacketTap {

    /** Packets 0..count-1 of {@code batch}: what the system sent into the tunnel (read from the device). */
    void outbound(PacketBatch batch, int count);

    /** The packets of {@code batch} with a non-zero length: what the provider wrote to the system. */
    void inbound(PacketBatch batch);
}
