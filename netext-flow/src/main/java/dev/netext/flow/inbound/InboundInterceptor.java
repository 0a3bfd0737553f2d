package dev.netext.flow.inbound;

import dev.netext.api.net.IpFamily;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowPipeline;
import dev.netext.linux.LinuxException;
import dev.netext.linux.diag.ConntrackTable;
import dev.netext.linux.diag.ConntrackWatch;
import dev.netext.linux.nfqueue.InboundSteering;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.NfQueue;
import dev.netext.linux.nfqueue.NfqBatch;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.NfqPacket;
import dev.netext.linux.nfqueue.NfqueueH;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Inbound flows: connections other hosts open to local services, judged by the flow engine's filter on their first
 * packet. The queue loop, in five steps:
 * <ol>
 *   <li>{@link InboundSteering} queues each new inbound TCP SYN and unanswered UDP datagram (never loopback);</li>
 *   <li>{@link #run} receives a batch from the {@link NfQueue};</li>
 *   <li>each packet's tuple ({@link InboundPacket}) finds its {@link InboundFlow}, or opens one with a new
 *       {@link FlowPipeline#inbound} pipeline on one of the engine's event loops (the server's process is attributed
 *       from its listening socket);</li>
 *   <li>the flow holds the packet while the pipeline decides (a pause holds it until the prompt's answer or
 *       timeout), or answers it from its verdict;</li>
 *   <li>verdicts go out in one send per batch (late ones, from the event loop, flush themselves).</li>
 * </ol>
 * A decided flow is kept {@link #DECIDED_KEEP} after its last queued packet, to answer retransmits without a second
 * decision, then forgotten. An allowed one is closed when its connection ends, with its bytes: the namespace's
 * {@link ConntrackWatch} hands the queue thread the conntrack table every {@link ConntrackWatch#INTERVAL} (the one
 * read the fast path's queue sees too; the steering turned accounting on), and the queue thread's sweep looks at the
 * flows in it. Still open after the keep, it leaves the queue's bound ({@link #MAX_FLOWS}) for the
 * {@link #carried} ones'. Owns the queue, the steering and its ledger.
 */
public final class InboundInterceptor implements AutoCloseable, InboundVerdicts {
    private static final Logger log = LoggerFactory.getLogger(InboundInterceptor.class);
    static final Duration DECIDED_KEEP = Duration.ofSeconds(60);
    /** Flows tracked at once; beyond that new ones get the failure verdict (a SYN flood must not grow the heap). */
    static final int MAX_FLOWS = 4096;
    /** Allowed connections followed past the keep; beyond, one closes at once with its bytes so far. */
    static final int MAX_CARRIED = 16_384;

    private final FlowEngine engine;
    private final EventLoopGroup loops;
    private final boolean failOpen;
    private final NfQueue queue;
    private final StateLedger ledger;
    private final InboundSteering steering;
    private final Map<InboundPacket, InboundFlow> flows = new ConcurrentHashMap<>();
    /** Allowed flows past the keep whose connection is still open: the queue thread's. */
    private final List<InboundFlow> carried = new ArrayList<>();
    private volatile int carriedCount; // carried's size, for the conntrack sweep's thread
    /** The latest conntrack table the sweep handed over, not yet looked at by the queue thread. */
    private final AtomicReference<Map<ConntrackTable.Tuple, ConntrackTable.Entry>> swept = new AtomicReference<>();
    private ConntrackWatch.Membership sweeps; // joined by open, in the namespace
    private final Thread thread;
    private final List<StateLedger.Recovery> recovered;
    private volatile boolean stopping;

    private InboundInterceptor(FlowEngine engine, EventLoopGroup loops, boolean failOpen, NfQueue queue,
                               StateLedger ledger, InboundSteering steering, List<StateLedger.Recovery> recovered) {
        this.recovered = recovered;
        this.engine = engine;
        this.loops = loops;
        this.failOpen = failOpen;
        this.queue = queue;
        this.ledger = ledger;
        this.steering = steering;
        this.thread = Thread.ofPlatform().name("flow-inbound-queue").daemon().unstarted(this::run);
    }

    /**
     * Binds the queue and installs the steering in the calling thread's network namespace (after undoing a dead
     * instance's), then starts the queue thread. {@code failOpen}: new inbound connections pass while the queue is
     * unbound or full, else they are dropped.
     */
    public static InboundInterceptor open(FlowEngine engine, EventLoopGroup loops, boolean ipv6, boolean failOpen,
                                          Path ledgerDir) throws IOException {
        Iptables iptables = new Iptables();
        List<StateLedger.Recovery> recovered = InboundSteering.recover(ledgerDir, iptables);
        for (var r : recovered) log.info("undid {} objects of dead inbound filter pid {}", r.undone().size(), r.pid());
        int number = InboundSteering.DEFAULT_QUEUE;
        // whole packets: a view checks the IP length against what it was given (only first packets come here)
        NfQueue queue = NfQueue.open(new NfqConfig(number, NfqConfig.DEFAULT_MAX_LENGTH, NfqueueH.MAX_PACKET, failOpen,
                false, false, 1 << 20));
        StateLedger ledger = null;
        try {
            ledger = StateLedger.create(ledgerDir, LedgerKind.INBOUND);
            List<IpFamily> families = ipv6 ? List.of(IpFamily.V4, IpFamily.V6) : List.of(IpFamily.V4);
            InboundSteering steering = InboundSteering.install(number, failOpen, families, ledger, iptables);
            InboundInterceptor i = new InboundInterceptor(engine, loops, failOpen, queue, ledger, steering, recovered);
            try {
                i.sweeps = ConntrackWatch.join("allowed inbound flows", i::conntrackSwept);
            } catch (IOException | RuntimeException e) {
                steering.close();
                throw e;
            }
            i.thread.start();
            log.info("judging inbound connections on queue {} ({})", number, failOpen ? "fail-open" : "fail-closed");
            return i;
        } catch (IOException | RuntimeException e) {
            queue.close();
            if (ledger != null) ledger.close();
            throw e;
        }
    }

    private void run() {
        try (NfqBatch batch = new NfqBatch(64, 1 << 20)) {
            long lastSweep = System.nanoTime();
            while (!stopping) {
                int n = queue.receive(batch, 100);
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) handle(batch.get(i), now);
                flush();
                Map<ConntrackTable.Tuple, ConntrackTable.Entry> table = swept.getAndSet(null);
                if (table != null || now - lastSweep > 1_000_000_000L) {
                    sweep(now, table);
                    lastSweep = now;
                }
            }
        } catch (LinuxException e) {
            if (!stopping) log.warn("inbound queue {} failed: {}", queue.queueNumber(), e.getMessage());
        }
    }

    private void handle(NfqPacket p, long now) {
        InboundPacket tuple = InboundPacket.parse(p.payloadBuffer());
        if (tuple == null) { // only TCP and UDP are steered here; anything unreadable is not ours to judge
            send(p.packetId(), InboundFlow.Outcome.ACCEPT);
            return;
        }
        InboundFlow f = flows.get(tuple);
        if (f == null) {
            if (flows.size() >= MAX_FLOWS) {
                send(p.packetId(), failOpen ? InboundFlow.Outcome.ACCEPT : InboundFlow.Outcome.DROP);
                return;
            }
            f = open(tuple);
        }
        f.packet(p.packetId(), now);
    }

    private InboundFlow open(InboundPacket tuple) {
        InboundFlow f = new InboundFlow(this, tuple);
        var loop = loops.next();
        FlowPipeline pipeline = FlowPipeline.inbound(engine, tuple.protocol(), tuple.service(), tuple.peer(), loop, f);
        f.pipeline(pipeline);
        flows.put(tuple, f);
        loop.execute(pipeline::decide);
        return f;
    }

    /**
     * The namespace's conntrack sweep, on its thread: the table goes to the queue thread (which owns the flows'
     * connections), asked for only when an allowed flow is followed.
     */
    private void conntrackSwept(ConntrackWatch.Sweep sweep) {
        if (carriedCount > 0 || flows.values().stream().anyMatch(f -> f.outcome() == InboundFlow.Outcome.ACCEPT))
            swept.set(sweep.table());
    }

    /**
     * Forgets dropped flows idle for {@link #DECIDED_KEEP}; with a conntrack {@code table} (null: none this time),
     * closes allowed ones whose connection ended — its conntrack entry closed, or gone after a sweep saw it; never
     * seen once the keep is over (the host's own firewall dropped it, or no table): ended as before, no bytes — and
     * moves those still open after the keep to {@link #carried}.
     */
    private void sweep(long now, Map<ConntrackTable.Tuple, ConntrackTable.Entry> table) {
        long keep = DECIDED_KEEP.toNanos();
        boolean allowedToo = table != null;
        for (Iterator<InboundFlow> it = flows.values().iterator(); it.hasNext(); ) {
            InboundFlow f = it.next();
            InboundFlow.Outcome o = f.outcome();
            boolean idle = now - f.lastPacketNanos() >= keep;
            if (o == InboundFlow.Outcome.DECIDING || (o == InboundFlow.Outcome.ACCEPT && !allowedToo)) continue;
            if (o != InboundFlow.Outcome.ACCEPT) {
                if (idle) it.remove();
            } else if (f.connection().sweep(table) || (idle && !f.connection().seen())) {
                it.remove();
                closeWithBytes(f);
            } else if (idle) {
                it.remove();
                if (carried.size() < MAX_CARRIED) carried.add(f);
                else closeWithBytes(f);
            }
        }
        if (allowedToo) carried.removeIf(f -> {
            boolean ended = f.connection().sweep(table);
            if (ended) closeWithBytes(f);
            return ended;
        });
        carriedCount = carried.size();
    }

    /** The closed event with what conntrack counted: original bytes in (the peer opened it), reply bytes out. */
    private static void closeWithBytes(InboundFlow f) {
        ConntrackTable.Counters c = f.connection().counted();
        f.pipeline().closed(c == null ? 0 : c.originalBytes(), c == null ? 0 : c.replyBytes());
    }

    /** What this start undid of dead instances' inbound steering (kill -9). */
    public List<StateLedger.Recovery> recovered() { return recovered; }

    /** Whether new inbound connections pass while no netext process holds the queue. */
    public boolean failOpen() { return failOpen; }

    /** Flows tracked now (deciding, paused or recently decided). */
    public int trackedFlows() { return flows.size(); }

    @Override
    public void send(int packetId, InboundFlow.Outcome outcome) {
        try {
            switch (outcome) {
                case ACCEPT -> queue.verdict(packetId, NfqueueH.NF_ACCEPT, false, 0, null);
                case REJECT -> queue.verdict(packetId, NfqueueH.NF_ACCEPT, true, InboundSteering.REJECT_MARK, null);
                case DROP -> queue.verdict(packetId, NfqueueH.NF_DROP, false, 0, null);
                case DECIDING -> throw new IllegalArgumentException("no verdict yet");
            }
        } catch (LinuxException e) {
            log.warn("inbound queue {}: verdict for packet {} failed: {}", queue.queueNumber(),
                    Integer.toUnsignedString(packetId), e.getMessage());
        }
    }

    @Override
    public void flush() {
        try {
            queue.flush();
        } catch (LinuxException e) {
            log.warn("inbound queue {}: sending verdicts failed: {}", queue.queueNumber(), e.getMessage());
        }
    }

    /** Removes the steering first (no new packet is queued), then answers what is held as the filter fails, unbinds. */
    @Override
    public void close() {
        steering.close();
        stopping = true;
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sweeps.close();
        for (InboundFlow f : flows.values()) f.forget(failOpen ? InboundFlow.Outcome.ACCEPT : InboundFlow.Outcome.DROP);
        flows.clear();
        carried.clear();
        queue.close();
        ledger.close();
    }
}
