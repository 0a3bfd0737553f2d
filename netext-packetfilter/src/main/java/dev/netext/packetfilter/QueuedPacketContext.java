package dev.netext.packetfilter;

import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.net.IpFamily;

import java.nio.ByteBuffer;

/** The {@link PacketContext} of the packet being decided: one per queue thread, refilled for every packet. */
final class QueuedPacketContext implements PacketContext {
    private final PacketDecider decider;
    PacketMeta meta;
    ByteBuffer packet;
    long token;
    HeldPacket held;
    PacketVerdict.Delay delay;
    int flowDecision;
    private long flowId = -1;
    private ProcessInfo process;
    boolean active;

    QueuedPacketContext(PacketDecider decider) {
        this.decider = decider;
    }

    void begin(PacketMeta meta, ByteBuffer packet, long token) {
        this.meta = meta;
        this.packet = packet;
        this.token = token;
        this.held = null;
        this.delay = null;
        this.flowDecision = Decision.FLOW_UNDECIDED;
        this.flowId = -1;
        this.process = null;
        this.active = true;
    }

    private void checkActive() {
        if (!active) throw new IllegalStateException("a PacketContext is valid only during handle()");
    }

    @Override public Direction direction() { return meta.direction; }

    @Override
    public IpFamily family() {
        IpFamily f = packet.remaining() > 0 ? IpFamily.ofFirstByte(packet.get(packet.position())) : null;
        return f == null ? IpFamily.V4 : f;
    }

    @Override public String interfaceName() { return meta.interfaceName; }

    @Override public ConntrackState conntrackState() { return meta.conntrackState; }

    @Override public int conntrackMark() { return meta.conntrackMark; }

    @Override
    public long flowId() {
        if (flowId < 0) {
            flowId = meta.conntrackState == ConntrackState.UNTRACKED ? 0 : FlowKey.id(FlowKey.of(packet));
        }
        return flowId;
    }

    /** Looked up only when a provider asks, then cached for the packet (and by the resolver, for its flow). */
    @Override
    public ProcessInfo process() {
        if (process == null) process = decider.processResolver().resolve(packet, meta.direction, flowId());
        return process;
    }

    @Override
    public PacketVerdict.Delay delay() {
        checkActive();
        if (delay == null) {
            held = new HeldPacket(decider, token, packet, meta);
            delay = new PacketVerdict.Delay(held);
        }
        return delay;
    }

    @Override
    public void markFlowDecided(PacketVerdict verdict) {
        checkActive();
        int d;
        if (verdict instanceof PacketVerdict.Allow) d = Decision.FLOW_ACCEPT;
        else if (verdict instanceof PacketVerdict.Drop) d = Decision.FLOW_DROP;
        else throw new IllegalArgumentException("only allow or drop can be decided in the kernel, not " + verdict);
        if (meta.conntrackState == ConntrackState.UNTRACKED)
            throw new IllegalStateException("the packet is not tracked by conntrack: its flow cannot be decided");
        flowDecision = d;
    }
}
