package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The iptables chains and jumps one steering creates, and their life: each written to the {@link StateLedger} before
 * it exists, a chain refused when it already exists (another instance in this namespace owns it), the jump to a
 * chain inserted first in its hook once the chain is complete (no packet sees a half-built chain), everything removed
 * newest first by {@link #close} — and by {@link #undo} from a dead instance's ledger. Rules inside a chain belong to
 * it: flushing the chain removes them. {@link QueueSteering}, {@link InboundSteering} and {@link VerdictSteering}
 * each own one.
 */
final class SteeringChains implements AutoCloseable {
    static final String LEDGER_CHAIN = "iptables-chain", LEDGER_JUMP = "iptables-jump";

    private final Iptables iptables;
    private final StateLedger ledger;
    private final String ownerIfTaken; // why an existing chain is refused, for the error message
    private final List<LedgerEntry> created = new ArrayList<>();
    private boolean closed;

    /** {@code ownerIfTaken}: who else would own an existing chain ("another netext instance judges …"). */
    SteeringChains(Iptables iptables, StateLedger ledger, String ownerIfTaken) {
        this.iptables = iptables;
        this.ledger = ledger;
        this.ownerIfTaken = ownerIfTaken;
    }

    /** Creates {@code chain} in {@code table}, refusing one that exists. */
    void newChain(IpFamily family, String table, String chain) throws IOException {
        if (iptables.tryRun(family, List.of("-t", table, "-n", "-L", chain)).exit() == 0)
            throw new IOException("iptables chain " + table + " " + chain + " already exists: " + ownerIfTaken);
        record(LedgerEntry.of(LEDGER_CHAIN, "family", fam(family), "table", table, "chain", chain));
        rule(family, table, "-N", chain);
    }

    /** Appends {@code match} then {@code target} to {@code chain}. */
    void append(IpFamily family, String table, String chain, List<String> match, List<String> target) throws IOException {
        List<String> a = new ArrayList<>(List.of("-t", table, "-A", chain));
        a.addAll(match);
        a.addAll(target);
        iptables.run(family, a);
    }

    /** Runs {@code iptables -t table ARGS}. */
    void rule(IpFamily family, String table, String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("-t", table));
        a.addAll(List.of(args));
        iptables.run(family, a);
    }

    /** Inserts the jump from hook chain {@code from} to {@code chain}, first: call once {@code chain} is complete. */
    void jump(IpFamily family, String table, String from, String chain) throws IOException {
        record(LedgerEntry.of(LEDGER_JUMP, "family", fam(family), "table", table, "from", from, "chain", chain));
        rule(family, table, "-I", from, "1", "-j", chain);
    }

    /** As {@link #jump(IpFamily, String, String, String)}, for packets that came in through {@code inInterface} only. */
    void jump(IpFamily family, String table, String from, String chain, String inInterface) throws IOException {
        record(LedgerEntry.of(LEDGER_JUMP, "family", fam(family), "table", table, "from", from, "chain", chain,
                "in", inInterface));
        rule(family, table, "-I", from, "1", "-i", inInterface, "-j", chain);
    }

    private void record(LedgerEntry e) throws IOException {
        ledger.record(e);
        created.add(e);
    }

    static String fam(IpFamily f) { return f == IpFamily.V4 ? "4" : "6"; }

    /** Removes every jump and chain, newest first (jumps before their chains); one that cannot go is logged. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        StateLedger.undoNewestFirst(created, e -> undo(e, iptables));
    }

    /**
     * Undoes one ledger entry of {@link #LEDGER_CHAIN} or {@link #LEDGER_JUMP} kind; entries of other kinds are
     * ignored. Missing chains and jumps are not errors.
     */
    static void undo(LedgerEntry entry, Iptables iptables) throws IOException {
        IpFamily family = "6".equals(entry.get("family")) ? IpFamily.V6 : IpFamily.V4;
        String table = entry.fields().getOrDefault("table", "filter");
        switch (entry.kind()) {
            case LEDGER_JUMP -> {
                // a jump may have been inserted more than once only by a bug; remove all copies, never loop forever
                List<String> delete = new ArrayList<>(List.of("-t", table, "-D", entry.require("from")));
                if (entry.get("in") != null) delete.addAll(List.of("-i", entry.get("in")));
                delete.addAll(List.of("-j", entry.require("chain")));
                for (int i = 0; i < 16; i++) {
                    if (iptables.tryRun(family, delete).exit() != 0) break;
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
