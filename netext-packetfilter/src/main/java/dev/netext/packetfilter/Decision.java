package dev.netext.packetfilter;

import java.nio.ByteBuffer;

/**
 * What the data plane must do with one packet, as {@link PacketDecider} decided it: reusable, one per queue thread.
 *
 * <ul>
 *   <li>{@link Action#ACCEPT}, optionally with {@link #replacement()} (modified bytes) and/or a
 *       {@link #flowDecision()} to store in the connection's mark;</li>
 *   <li>{@link Action#DROP}, optionally with a flow decision;</li>
 *   <li>{@link Action#HOLD}: the packet was delayed; its {@link HeldPacket} issues the verdict later.</li>
 * </ul>
 */
public final class Decision {
    public enum Action { ACCEPT, DROP, HOLD }

    /** No decision for the connection: later packets reach the provider too. */
    public static final int FLOW_UNDECIDED = 0;
    public static final int FLOW_ACCEPT = 1, FLOW_DROP = 2;

    Action action;
    ByteBuffer replacement;
    int flowDecision;

    void reset() {
        action = Action.ACCEPT;
        replacement = null;
        flowDecision = FLOW_UNDECIDED;
    }

    public Action action() { return action; }

    /** The bytes to send instead of the packet (a whole IP packet, checksums fixed), or null. */
    public ByteBuffer replacement() { return replacement; }

    /** {@link #FLOW_UNDECIDED}, {@link #FLOW_ACCEPT} or {@link #FLOW_DROP}. */
    public int flowDecision() { return flowDecision; }

    @Override
    public String toString() {
        return action + (replacement != null ? " modified(" + replacement.remaining() + " bytes)" : "")
                + (flowDecision == FLOW_ACCEPT ? " +flow accept" : flowDecision == FLOW_DROP ? " +flow drop" : "");
    }
}
