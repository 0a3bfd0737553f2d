package dev.netext.api.filter;

import dev.netext.api.ProviderEvent;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.net.IpFamily;

import java.time.Duration;

/**
 * What the host knows about the packet being decided: NE's {@code NEFilterPacketContext} (which is opaque there) made
 * useful. Valid only during {@link FilterPacketProvider#handle}; do not keep it.
 */
public interface PacketContext {

    /** How long a {@linkplain #delay() delayed} packet may be held. */
    Duration MAX_DELAY = Duration.ofSeconds(10);

    Direction direction();

    IpFamily family();

    /** The interface the packet arrived on (inbound) or leaves by (outbound). */
    String interfaceName();

    ConntrackState conntrackState();

    /** The connection's conntrack mark ({@code ct mark}); 0 when none is set. */
    int conntrackMark();

    /** The flow the packet belongs to, or {@link ProviderEvent#NO_FLOW} for untracked packets. */
    long flowId();

    /** The local process, when the packet's socket could be attributed; else {@link ProcessInfo#UNKNOWN}. */
    ProcessInfo process();

    /**
     * Holds the current packet; return the result from {@code handle} and release its {@link PacketVerdict.Delay#handle()
     * handle} later. Calling it twice for one packet returns the same verdict.
     */
    PacketVerdict.Delay delay();

    /**
     * Decides every later packet of this packet's connection in the kernel ({@code ct mark}), so they no longer reach
     * the provider: the fast path that makes a packet filter affordable. Takes effect after the current packet; the
     * current packet still gets the verdict {@code handle} returns.
     *
     * @param verdict {@link PacketVerdict#ALLOW} or {@link PacketVerdict#DROP}
     * @throws IllegalArgumentException for a delay or modify verdict, which the kernel cannot apply by itself
     * @throws IllegalStateException    for an {@linkplain ConntrackState#UNTRACKED untracked} packet
     */
    void markFlowDecided(PacketVerdict verdict);
}
