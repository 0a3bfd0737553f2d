package dev.netext.bench;

import dev.netext.linux.LinuxException;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.NfQueue;
import dev.netext.linux.nfqueue.NfqBatch;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.NfqPacket;
import dev.netext.linux.nfqueue.NfqueueH;
import dev.netext.linux.nfqueue.VerdictSteering;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under the fast path's added setup ({@code netext-bench flows --cases setup}, variant "floor"): the fast
 * path's own rules ({@link VerdictSteering}) and queue, answered by a thread that does nothing but the verdicts the
 * flow layer would give an allowed flow — the SYN leaves with the connection pending, a bare ACK at once, the first
 * bytes with it accepted. No attribution, no naming, no filter, no events: what is left of the added time is the
 * kernel's queueing, the wake-ups and the re-injection, which no user-space work can remove.
 */
final class QueueFloor implements AutoCloseable {
    private static final int QUEUE = 20057, TCP_SYN = 0x02;

    private final NfQueue queue;
    private final StateLedger ledger;
    private final VerdictSteering steering;
    private final Thread thread;
    private volatile boolean stopping;
    private final AtomicLong syns = new AtomicLong(), data = new AtomicLong(), bare = new AtomicLong();

    /** Installs the rules and starts answering, in the calling namespace. */
    QueueFloor(Path ledgerDir) throws Exception {
        queue = NfQueue.open(NfqConfig.of(QUEUE, true));
        try {
            ledger = StateLedger.create(ledgerDir, LedgerKind.FLOW);
        } catch (Exception | Error e) {
            queue.close();
            throw e;
        }
        try {
            // ports only choose which protocols are queued: no listener exists, and TCP's rules never steer to one
            steering = VerdictSteering.install(QUEUE, InterceptionConfig.of(1, 1, InterceptionConfig.Scope.ALL)
                    .withTcpQueued(true), true, ledger, new Iptables());
        } catch (Exception | Error e) {
            ledger.close();
            queue.close();
            throw e;
        }
        thread = Thread.ofPlatform().name("queue-floor").daemon().start(this::run);
    }

    private void run() {
        try (NfqBatch batch = new NfqBatch(64, 1 << 20)) {
            while (!stopping) {
                int n = queue.receive(batch, 100);
                for (int i = 0; i < n; i++) answer(batch.get(i));
                if (n > 0) queue.flush();
            }
        } catch (LinuxException | RuntimeException e) {
            if (!stopping) e.printStackTrace();
        }
    }

    private void answer(NfqPacket p) throws LinuxException {
        MemorySegment ip = p.payload();
        boolean v4 = (ip.get(ValueLayout.JAVA_BYTE, 0) >> 4 & 0xF) == 4;
        int ipHeader = v4 ? (ip.get(ValueLayout.JAVA_BYTE, 0) & 0xF) * 4 : 40; // the bench's IPv6 has no extensions
        int ipLength = v4 ? Short.toUnsignedInt(Short.reverseBytes(ip.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)))
                : 40 + Short.toUnsignedInt(Short.reverseBytes(ip.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4)));
        int flags = ip.get(ValueLayout.JAVA_BYTE, ipHeader + 13);
        int tcpHeader = (ip.get(ValueLayout.JAVA_BYTE, ipHeader + 12) >> 4 & 0xF) * 4;
        int field = (flags & TCP_SYN) != 0 ? VerdictSteering.PENDING
                : ipLength > ipHeader + tcpHeader ? VerdictSteering.ACCEPTED : 0;
        (field == VerdictSteering.PENDING ? syns : field == 0 ? bare : data).incrementAndGet();
        if (field == 0) queue.verdict(p.packetId(), NfqueueH.NF_ACCEPT, false, 0, null);
        else queue.verdict(p.packetId(), NfqueueH.NF_REPEAT, true, (p.mark() & ~VerdictSteering.FIELD) | field, null);
    }

    /** What was answered: SYNs, first bytes, bare ACKs. */
    String answered() { return syns + " SYNs, " + data + " first bytes, " + bare + " bare ACKs"; }

    @Override
    public void close() throws Exception {
        steering.close();
        stopping = true;
        thread.join(1000);
        queue.close();
        ledger.close();
    }
}
