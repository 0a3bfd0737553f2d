package dev.netext.api.tunnel;

import java.io.IOException;

/**
 * The tunnel's packet interface: {@code NEPacketTunnelFlow}. Packets read are those the system routed into the
 * tunnel; packets written are delivered to the system as if they arrived from the network.
 *
 * <p>Both calls move whole batches: one wake-up per batch, not per packet. Reads block the calling thread (run packet
 * loops with {@link TunnelContext#spawn}); each packet carries its family in its first byte, see
 * {@link PacketBatch#family(int)}.
 */
public interface PacketFlow {

    /**
     * Clears {@code batch} and fills it with at least one packet, blocking until one arrives.
     *
     * @return the number of packets read, or {@code -1} once the tunnel is stopping (the loop should end)
     */
    int readPackets(PacketBatch batch) throws IOException;

    /** Writes every packet of the batch whose length is not 0. Returns the number written. */
    int writePackets(PacketBatch batch) throws IOException;

    /** A batch sized for this flow's MTU. */
    PacketBatch newBatch();
}
