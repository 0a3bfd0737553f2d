package dev.netext.packetfilter;

import java.nio.ByteBuffer;

/**
 * Issues the late verdict of a held packet: implemented by the queue loop (a verdict on the netfilter queue) and by
 * the test harness (a record). Called from any thread, once per held packet.
 */
@FunctionalInterface
public interface PacketReleaser {
    /**
     * @param token       what the data plane gave {@link PacketDecider#decide} for this packet
     * @param accept      accept (true) or drop
     * @param replacement the bytes to send instead (checksums fixed), or null
     */
    void release(long token, boolean accept, ByteBuffer replacement);
}
