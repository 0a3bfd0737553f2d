package dev.netext.api.filter;

import dev.netext.api.Provider;
import dev.netext.api.ProviderContext;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A packet filter: {@code NEFilterPacketProvider}. The host queues packets from the kernel (netfilter queue) and
 * calls {@link #handle} for each, on one thread per queue: the call is the packet's latency, so return in
 * microseconds and mark connections {@linkplain PacketContext#markFlowDecided decided} as soon as possible.
 *
 * <p>Beyond NE: packets can be {@linkplain PacketVerdict.Modify rewritten}, the context says which connection and
 * process a packet belongs to, and decided connections skip the provider in the kernel.
 */
public interface FilterPacketProvider extends Provider {

    void startFilter(ProviderContext context, Map<String, Object> options) throws Exception;

    void stopFilter(StopReason reason) throws Exception;

    /**
     * Decides one packet: {@code packetHandler}. {@code packet} is a read-only view of the whole IP packet, valid only
     * during the call. A call that throws applies the profile's failure verdict (by default, allow).
     */
    PacketVerdict handle(PacketContext context, ByteBuffer packet);
}
