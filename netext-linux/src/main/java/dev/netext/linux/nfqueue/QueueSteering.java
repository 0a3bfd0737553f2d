package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;

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
    public static final String LEDGER_CHAIN = SteeringChains.LEDGER_CHAIN, LEDGER_JUMP = SteeringChains.LEDGER_JUMP;
    static final String TABLE = "filter";

    private final SteeringChains chains;

    private QueueSteering(SteeringChains chains) {
        this.chains = chains;
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
        QueueSteering s = new QueueSteering(new SteeringChains(iptables, ledger,
                "another netext instance is using queue " + queue + " in this network namespace"));
        try {
            for (IpFamily family : IpFamily.values()) {
                List<SteeringMatch> mine = matches.stream().filter(m -> m.covers(family)).toList();
                if (mine.isEmpty()) continue;
                s.installFamily(family, queue, mine, failOpen);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void installFamily(IpFamily family, int queue, List<SteeringMatch> matches, boolean failOpen)
            throws IOException {
        String q = chainPrefix(queue) + "-Q";
        chains.newChain(family, TABLE, q);
        addStateMarks(family, q);
        List<String> nfq = new ArrayList<>(List.of("-j", "NFQUEUE", "--queue-num", Integer.toString(queue)));
        if (failOpen) nfq.add("--queue-bypass");
        chains.append(family, TABLE, q, List.of(), nfq);

        Set<SteeringMatch.Direction> hooks = EnumSet.noneOf(SteeringMatch.Direction.class);
        for (SteeringMatch m : matches) hooks.add(m.direction());
        for (SteeringMatch.Direction d : hooks) {
            String chain = chainPrefix(queue) + "-" + d.suffix();
            chains.newChain(family, TABLE, chain);
            String decided = QueueMarks.hex(QueueMarks.DECIDED_BITS) + "/" + QueueMarks.hex(QueueMarks.DECIDED_BITS);
            String mask = QueueMarks.hex(QueueMarks.FIELD_MASK);
            chains.rule(family, TABLE, "-A", chain, "-m", "mark", "--mark", QueueMarks.hex(QueueMarks.BYPASS_MARK), "-j", "RETURN");
            chains.rule(family, TABLE, "-A", chain, "-m", "mark", "--mark", decided,
                    "-j", "CONNMARK", "--save-mark", "--nfmask", mask, "--ctmask", mask);
            chains.rule(family, TABLE, "-A", chain, "-m", "mark", "--mark", decided, "-j", "MARK", "--set-xmark", "0x0/" + mask);
            chains.rule(family, TABLE, "-A", chain, "-m", "connmark", "--mark",
                    QueueMarks.valueMask(QueueMarks.DECIDED_ACCEPT), "-j", "ACCEPT");
            chains.rule(family, TABLE, "-A", chain, "-m", "connmark", "--mark",
                    QueueMarks.valueMask(QueueMarks.DECIDED_DROP), "-j", "DROP");
            for (SteeringMatch m : matches)
                if (m.direction() == d) chains.append(family, TABLE, chain, m.iptablesArgs(), List.of("-j", q));
            chains.jump(family, TABLE, d.chain, chain); // last: no packet sees a half-built chain
        }
    }

    private void addStateMarks(IpFamily family, String chain) throws IOException {
        // Most packets are ESTABLISHED: test that first.
        String[][] states = {{"ESTABLISHED", "2"}, {"NEW", "1"}, {"RELATED", "3"}, {"INVALID", "4"}, {"UNTRACKED", "5"}};
        for (String[] s : states)
            chains.rule(family, TABLE, "-A", chain, "-m", "conntrack", "--ctstate", s[0],
                    "-j", "MARK", "--set-xmark", QueueMarks.valueMask(Integer.parseInt(s[1])));
    }

    /** Removes every chain and jump, newest first. Tolerates objects already gone. */
    @Override
    public void close() { chains.close(); }

    /**
     * Undoes one ledger entry of {@link #LEDGER_CHAIN} or {@link #LEDGER_JUMP} kind — of any netext iptables steering
     * (this one, the inbound queue's, the fast path's) — or the conntrack accounting one turned on
     * ({@link dev.netext.linux.sys.SysctlOverride#LEDGER_KIND}); entries of other kinds are ignored. Missing chains
     * and jumps are not errors.
     */
    public static void undo(LedgerEntry entry, Iptables iptables) throws IOException {
        SteeringChains.undo(entry, iptables);
    }
}
