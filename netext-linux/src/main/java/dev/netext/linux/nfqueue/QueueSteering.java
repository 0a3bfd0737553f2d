package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The iptables rules that send chosen packets to one queue, with the flow cache in front. For queue {@code q}, in
 * table {@code filter} of each family the matches need:
 *
 * <pre>
 * OUTPUT|INPUT|FORWARD  -j NETEXT-PF-q-OUT|-IN|-FOR        (inserted first, so netext sees packets before others accept)
 * NETEXT-PF-q-OUT:
 *   -m mark --mark 0x4e5803ff -j RETURN                                                        the provider's own sockets
 *   -m mark --mark 0x60000/0x60000 -j CONNMARK --save-mark --nfmask 0x70000 --ctmask 0x70000   remember a decision
 *   -m mark --mark 0x60000/0x60000 -j MARK --set-xmark 0x0/0x70000                             and clear it
 *   -m connmark --mark 0x60000/0x70000 -j ACCEPT                                               decided flows: kernel only
 *   -m connmark --mark 0x70000/0x70000 -j DROP
 *   [match]… -j NETEXT-PF-q-Q                                                                  one rule per match
 * NETEXT-PF-q-Q:
 *   -m conntrack --ctstate ESTABLISHED -j MARK --set-xmark 0x20000/0x70000   (NEW, RELATED, INVALID, UNTRACKED alike)
 *   -j NFQUEUE --queue-num q [--queue-bypass]
 * </pre>
 *
 * Without {@code --queue-bypass} (fail-closed) the kernel drops matching packets while no process has the queue
 * bound: a crashed filter stops traffic instead of letting it through unfiltered. With it (fail-open) they pass.
 *
 * <p>Every chain and jump is written to the {@link StateLedger} before it is created; {@link #close} removes them in
 * reverse, and {@link #undo} does the same for a dead instance's ledger. Rules inside netext's chains belong to the
 * chain: flushing it removes them.
 */
public final class QueueSteering implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueSteering.class);
    public static final String LEDGER_CHAIN = "iptables-chain", LEDGER_JUMP = "iptables-jump";
    static final String TABLE = "filter";

    private final Iptables iptables;
    private final List<LedgerEntry> created = new ArrayList<>();
    private boolean closed;

    private QueueSteering(Iptables iptables) {
        this.iptables = iptables;
    }

    /** The chain name prefix for queue {@code queue}: {@code NETEXT-PF-7}. */
    public static String chainPrefix(int queue) { return "NETEXT-PF-" + queue; }

    /**
     * Creates the chains and rules for {@code matches}, recording each in {@code ledger} first. On failure, what was
     * created is removed again before the exception propagates.
     */
    public static QueueSteering install(int queue, List<SteeringMatch> matches, boolean failOpen, StateLedger ledger,
                                        Iptables iptables) throws IOException {
        if (matches.isEmpty()) throw new IllegalArgumentException("no matches: nothing would reach the queue");
        QueueSteering s = new QueueSteering(iptables);
        try {
            for (IpFamily family : IpFamily.values()) {
                List<SteeringMatch> mine = matches.stream().filter(m -> m.covers(family)).toList();
                if (mine.isEmpty()) continue;
                s.installFamily(family, queue, mine, failOpen, ledger);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void installFamily(IpFamily family, int queue, List<SteeringMatch> matches, boolean failOpen,
                               StateLedger ledger) throws IOException {
        String fam = family == IpFamily.V4 ? "4" : "6";
        String q = chainPrefix(queue) + "-Q";
        newChain(fam, family, q, ledger);
        addStateMarks(family, q);
        List<String> nfq = new ArrayList<>(List.of("-A", q, "-j", "NFQUEUE", "--queue-num", Integer.toString(queue)));
        if (failOpen) nfq.add("--queue-bypass");
        iptables.run(family, nfq);

        Set<SteeringMatch.Direction> hooks = EnumSet.noneOf(SteeringMatch.Direction.class);
        for (SteeringMatch m : matches) hooks.add(m.direction());
        for (SteeringMatch.Direction d : hooks) {
            String chain = chainPrefix(queue) + "-" + d.suffix();
            newChain(fam, family, chain, ledger);
            String decided = QueueMarks.hex(QueueMarks.DECIDED_BITS) + "/" + QueueMarks.hex(QueueMarks.DECIDED_BITS);
            String mask = QueueMarks.hex(QueueMarks.FIELD_MASK);
            iptables.run(family, List.of("-A", chain, "-m", "mark", "--mark", QueueMarks.hex(QueueMarks.BYPASS_MARK), "-j", "RETURN"));
            iptables.run(family, List.of("-A", chain, "-m", "mark", "--mark", decided,
                    "-j", "CONNMARK", "--save-mark", "--nfmask", mask, "--ctmask", mask));
            iptables.run(family, List.of("-A", chain, "-m", "mark", "--mark", decided,
                    "-j", "MARK", "--set-xmark", "0x0/" + mask));
            iptables.run(family, List.of("-A", chain, "-m", "connmark", "--mark",
                    QueueMarks.valueMask(QueueMarks.DECIDED_ACCEPT), "-j", "ACCEPT"));
            iptables.run(family, List.of("-A", chain, "-m", "connmark", "--mark",
                    QueueMarks.valueMask(QueueMarks.DECIDED_DROP), "-j", "DROP"));
            for (SteeringMatch m : matches) {
                if (m.direction() != d) continue;
                List<String> rule = new ArrayList<>(List.of("-A", chain));
                rule.addAll(m.iptablesArgs());
                rule.addAll(List.of("-j", q));
                iptables.run(family, rule);
            }
            // The jump goes in last: until then no packet sees a half-built chain.
            LedgerEntry jump = LedgerEntry.of(LEDGER_JUMP, "family", fam, "table", TABLE, "from", d.chain, "chain", chain);
            ledger.record(jump);
            created.add(jump);
            iptables.run(family, List.of("-I", d.chain, "1", "-j", chain));
        }
    }

    private void addStateMarks(IpFamily family, String chain) throws IOException {
        // Most packets are ESTABLISHED: test that first.
        String[][] states = {{"ESTABLISHED", "2"}, {"NEW", "1"}, {"RELATED", "3"}, {"INVALID", "4"}, {"UNTRACKED", "5"}};
        for (String[] s : states) {
            iptables.run(family, List.of("-A", chain, "-m", "conntrack", "--ctstate", s[0],
                    "-j", "MARK", "--set-xmark", QueueMarks.valueMask(Integer.parseInt(s[1]))));
        }
    }

    private void newChain(String fam, IpFamily family, String chain, StateLedger ledger) throws IOException {
        Iptables.Result exists = iptables.tryRun(family, List.of("-n", "-L", chain));
        if (exists.exit() == 0)
            throw new IOException("iptables chain " + chain + " already exists: another netext instance is using queue "
                    + chain.replaceAll("\\D+", " ").trim().split(" ")[0] + " in this network namespace");
        LedgerEntry e = LedgerEntry.of(LEDGER_CHAIN, "family", fam, "table", TABLE, "chain", chain);
        ledger.record(e);
        created.add(e);
        iptables.run(family, List.of("-N", chain));
    }

    /** Removes every chain and jump, newest first. Tolerates objects already gone. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        undoAll(created, iptables);
    }

    /**
     * Removes the iptables objects {@code created} names, newest first (jumps before the chains they name); one that
     * cannot be removed is logged and the rest still go. Every netext iptables steering (this one, the inbound queue's,
     * the fast path's) closes through it.
     */
    static void undoAll(List<LedgerEntry> created, Iptables iptables) {
        for (LedgerEntry e : created.reversed()) {
            try {
                undo(e, iptables);
            } catch (IOException | RuntimeException ex) {
                log.warn("removing {}: {}", e, ex.getMessage());
            }
        }
    }

    /**
     * Undoes one ledger entry of {@link #LEDGER_CHAIN} or {@link #LEDGER_JUMP} kind; entries of other kinds are
     * ignored. Missing chains and jumps are not errors.
     */
    public static void undo(LedgerEntry entry, Iptables iptables) throws IOException {
        IpFamily family = "6".equals(entry.get("family")) ? IpFamily.V6 : IpFamily.V4;
        String table = entry.fields().getOrDefault("table", TABLE);
        switch (entry.kind()) {
            case LEDGER_JUMP -> {
                // A jump may have been inserted more than once only by a bug; remove all copies, but never loop forever.
                for (int i = 0; i < 16; i++) {
                    if (iptables.tryRun(family, List.of("-t", table, "-D", entry.require("from"), "-j", entry.require("chain"))).exit() != 0)
                        break;
                }
            }
            case LEDGER_CHAIN -> {
                String chain = entry.require("chain");
                if (iptables.tryRun(family, List.of("-t", table, "-n", "-L", chain)).exit() != 0) return;
                iptables.run(family, List.of("-t", table, "-F", chain));
                iptables.run(family, List.of("-t", table, "-X", chain));
            }
            default -> { }
        }
    }
}
