package dev.netext.flow.inbound;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.flow.engine.FlowPipeline;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.diag.ConntrackWatch;

import java.util.ArrayList;
import java.util.List;

/**
 * One inbound connection as the queue sees it: the adapter of its {@link FlowPipeline}. Its first packet (a TCP SYN,
 * a UDP datagram) waits in the queue while the pipeline decides, and so do the copies that arrive meanwhile (SYN
 * retransmits during a prompt, more datagrams), up to {@link #MAX_HELD}; the verdict then answers all of them, and
 * every later packet the queue still sees for the tuple (conntrack calls a connection {@code NEW} until its first
 * answer) at once. Allowed, the connection belongs to the kernel from its next packet on: its conntrack entry tells
 * when it ends and how many bytes it carried ({@link #connection}).
 *
 * <p>Threads: packets arrive on the queue thread, the verdict on the flow's event loop; the state is guarded by this.
 * The connection is the queue thread's (its sweep).
 */
final class InboundFlow implements FlowPipeline.Transport {
    /** Packets of one undecided flow held in the queue; more are dropped (the client sends them again). */
    static final int MAX_HELD = 16;

    /** What the flow's packets get. */
    enum Outcome { DECIDING, ACCEPT, REJECT, DROP }

    private final InboundVerdicts verdicts;
    private final ConntrackWatch.Connection connection;
    private final List<Integer> held = new ArrayList<>();
    private FlowPipeline pipeline;
    private Outcome outcome = Outcome.DECIDING;
    private long lastPacketNanos;

    InboundFlow(InboundVerdicts verdicts, InboundPacket tuple) {
        this.verdicts = verdicts;
        this.connection = new ConntrackWatch.Connection(tuple.protocol(), tuple.peer(), tuple.service());
    }

    /** Set once, before the first packet is handed in. */
    void pipeline(FlowPipeline p) { this.pipeline = p; }

    FlowPipeline pipeline() { return pipeline; }

    /** The connection as the queue's conntrack sweeps saw it: the peer opened it (original = peer → service). */
    ConntrackWatch.Connection connection() { return connection; }

    /** A queued packet of this flow, on the queue thread: held while deciding, else answered. */
    synchronized void packet(int packetId, long nowNanos) {
        lastPacketNanos = nowNanos;
        if (outcome != Outcome.DECIDING) verdicts.send(packetId, outcome);
        else if (held.size() < MAX_HELD) held.add(packetId);
        else verdicts.send(packetId, Outcome.DROP);
    }

    synchronized Outcome outcome() { return outcome; }

    synchronized long lastPacketNanos() { return lastPacketNanos; }

    /** Allowed: the held packets go on (to the host's own firewall, then the service). No proxy, no data watch inbound. */
    @Override
    public void connect(FlowProxy proxy, FilterVerdict.FilterData watch) {
        settle(Outcome.ACCEPT);
    }

    /** Dropped: reset (the kernel answers a TCP RST or an ICMP port unreachable) or silently. */
    @Override
    public void drop(DropMode mode) {
        settle(mode == DropMode.SILENT ? Outcome.DROP : Outcome.REJECT);
        pipeline.closed(0, 0);
    }

    private synchronized void settle(Outcome o) {
        if (outcome != Outcome.DECIDING) return;
        outcome = o;
        for (int id : held) verdicts.send(id, o);
        held.clear();
        verdicts.flush();
    }

    /** The flow is forgotten (engine stopping, or idle): packets still held go as the queue fails. */
    synchronized void forget(Outcome onFailure) {
        if (outcome == Outcome.DECIDING) settle(onFailure);
    }
}
