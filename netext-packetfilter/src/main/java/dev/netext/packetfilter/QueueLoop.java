package dev.netext.packetfilter;

import dev.netext.api.filter.ConntrackState;
import dev.netext.api.flow.Direction;
import dev.netext.linux.LinuxException;
import dev.netext.linux.nfqueue.NfQueue;
import dev.netext.linux.nfqueue.NfqBatch;
import dev.netext.linux.nfqueue.NfqPacket;
import dev.netext.linux.nfqueue.NfqueueH;
import dev.netext.linux.nfqueue.QueueMarks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The queue thread: receive a batch → decide each packet → append verdicts → one send.
 *
 * <p>Runs of plain accepts become one {@code NFQNL_MSG_VERDICT_BATCH} (it covers every queued packet up to an id, so
 * it is used only while no packet is held). A flow decision is a {@code NF_REPEAT} verdict carrying the decided
 * value in netext's mark field: the packet goes through netext's chain again, which saves it into the connection's
 * mark and accepts or drops it ({@link QueueMarks}). Every verdict gives the packet back its original mark (the
 * steering rules used the field to carry the conntrack state).
 */
final class QueueLoop implements PacketReleaser {
    private static final Logger log = LoggerFactory.getLogger(QueueLoop.class);
    static final int BATCH = 64;

    private final NfQueue queue;
    private final PacketDecider decider;
    private final NfqBatch batch = new NfqBatch(BATCH, 4 << 20);
    private final PacketMeta meta = new PacketMeta();
    private final Decision decision = new Decision();
    private final Map<Integer, String> interfaceNames = new HashMap<>();
    private volatile boolean stopping;

    // the open run of plain accepts
    private int runLength, runMaxId, runMark;
    private boolean runHasMark;

    QueueLoop(NfQueue queue, PacketDecider decider) {
        this.queue = queue;
        this.decider = decider;
        decider.setReleaser(this);
    }

    void stop() { stopping = true; }

    /** Runs until {@link #stop()}; a kernel error other than a verdict's ends the loop by throwing. */
    void run() throws LinuxException {
        try {
            while (!stopping) {
                int n = queue.receive(batch, 100);
                if (n == 0) continue;
                for (int i = 0; i < n; i++) handle(batch.get(i));
                closeRun();
                try {
                    queue.flush();
                } catch (LinuxException e) {
                    log.warn("queue {}: sending verdicts failed: {}", queue.queueNumber(), e.getMessage());
                }
            }
        } finally {
            batch.close();
        }
    }

    private void handle(NfqPacket p) throws LinuxException {
        int hook = p.hook();
        Direction dir = hook == NfqueueH.NF_INET_LOCAL_IN || hook == NfqueueH.NF_INET_PRE_ROUTING ? Direction.INBOUND : Direction.OUTBOUND;
        int ifindex = dir == Direction.INBOUND ? p.inIfindex() : p.outIfindex();
        meta.set(dir, interfaceName(ifindex), state(p), p.ctMark() == -1 ? 0 : p.ctMark());
        int original = p.mark();
        int restored = QueueMarks.cleared(original);
        boolean restore = restored != original;
        long token = ((long) restored << 32) | (p.packetId() & 0xFFFF_FFFFL);
        ByteBuffer view = p.payloadBuffer().asReadOnlyBuffer();
        decider.decide(meta, view, token, decision);

        switch (decision.action()) {
            case HOLD -> closeRun();
            case ACCEPT -> {
                if (decision.replacement() == null && decision.flowDecision() == Decision.FLOW_UNDECIDED
                        && decider.heldCount() == 0) {
                    if (runLength > 0 && (runHasMark != restore || runMark != restored)) closeRun();
                    runLength++;
                    runMaxId = p.packetId();
                    runHasMark = restore;
                    runMark = restored;
                    return;
                }
                closeRun();
                MemorySegment bytes = decision.replacement() == null ? null : MemorySegment.ofBuffer(decision.replacement());
                if (decision.flowDecision() == Decision.FLOW_ACCEPT)
                    queue.verdict(p.packetId(), NfqueueH.NF_REPEAT, true, QueueMarks.with(restored, QueueMarks.DECIDED_ACCEPT), bytes);
                else
                    queue.verdict(p.packetId(), NfqueueH.NF_ACCEPT, restore, restored, bytes);
            }
            case DROP -> {
                closeRun();
                if (decision.flowDecision() == Decision.FLOW_DROP)
                    queue.verdict(p.packetId(), NfqueueH.NF_REPEAT, true, QueueMarks.with(restored, QueueMarks.DECIDED_DROP), null);
                else
                    queue.verdict(p.packetId(), NfqueueH.NF_DROP, false, 0, null);
            }
        }
    }

    private void closeRun() throws LinuxException {
        if (runLength == 0) return;
        if (runLength == 1) queue.verdict(runMaxId, NfqueueH.NF_ACCEPT, runHasMark, runMark, null);
        else queue.batchVerdict(runMaxId, NfqueueH.NF_ACCEPT, runHasMark, runMark);
        runLength = 0;
    }

    private static ConntrackState state(NfqPacket p) {
        int ct = p.ctInfo();
        if (ct >= 0) {
            return switch (ct) {
                case NfqueueH.IP_CT_ESTABLISHED, NfqueueH.IP_CT_ESTABLISHED_REPLY -> ConntrackState.ESTABLISHED;
                case NfqueueH.IP_CT_RELATED, NfqueueH.IP_CT_RELATED_REPLY -> ConntrackState.RELATED;
                case NfqueueH.IP_CT_NEW -> ConntrackState.NEW;
                default -> ConntrackState.UNTRACKED;
            };
        }
        return switch (QueueMarks.field(p.mark())) {
            case QueueMarks.STATE_NEW -> ConntrackState.NEW;
            case QueueMarks.STATE_ESTABLISHED -> ConntrackState.ESTABLISHED;
            case QueueMarks.STATE_RELATED -> ConntrackState.RELATED;
            case QueueMarks.STATE_INVALID -> ConntrackState.INVALID;
            default -> ConntrackState.UNTRACKED;
        };
    }

    private String interfaceName(int ifindex) {
        if (ifindex <= 0) return "";
        String name = interfaceNames.get(ifindex);
        if (name == null) {
            try {
                NetworkInterface ni = NetworkInterface.getByIndex(ifindex);
                name = ni == null ? "if" + ifindex : ni.getName();
            } catch (SocketException e) {
                name = "if" + ifindex;
            }
            if (interfaceNames.size() > 4096) interfaceNames.clear();
            interfaceNames.put(ifindex, name);
        }
        return name;
    }

    /** A held packet's late verdict, from any thread. */
    @Override
    public void release(long token, boolean accept, ByteBuffer replacement) {
        int id = (int) token;
        int mark = (int) (token >>> 32);
        try {
            queue.verdict(id, accept ? NfqueueH.NF_ACCEPT : NfqueueH.NF_DROP, accept, mark,
                    replacement == null ? null : MemorySegment.ofBuffer(replacement));
            queue.flush();
        } catch (LinuxException e) {
            log.warn("queue {}: late verdict for packet {} failed: {}", queue.queueNumber(), Integer.toUnsignedString(id), e.getMessage());
        }
    }
}
