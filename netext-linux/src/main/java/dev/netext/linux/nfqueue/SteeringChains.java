package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.Sysctl;
import dev.netext.linux.sys.SysctlOverride;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>A steering whose allowed flows the kernel carries turns conntrack accounting on ({@link #countCarriedBytes}):
 * those flows have no socket netext reads, or none at all (forwarded), and their closed events take their bytes from
 * the conntrack entry ({@code packets= bytes=}). The old value goes to the ledger first ({@link SysctlOverride}), and
 * back after the jumps are gone — by {@link #close}, or {@link #undo} after {@code kill -9}. Two steerings of one
 * process (the fast path's and the inbound one) hold it together: it goes back when the last of them closes.
 */
final class SteeringChains implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SteeringChains.class);
    static final String LEDGER_CHAIN = "iptables-chain", LEDGER_JUMP = "iptables-jump";
    /** Whether new connections get packet and byte counters ({@code nf_conntrack_acct}, default 0, per namespace). */
    static final String CONNTRACK_ACCOUNTING = "net.netfilter.nf_conntrack_acct";

    private final Iptables iptables;
    private final StateLedger ledger;
    private final String ownerIfTaken; // why an existing chain is refused, for the error message
    private final List<LedgerEntry> created = new ArrayList<>();
    private boolean closed, accountingAsked;
    private SysctlOverride accounting; // null: not changed (already on, not asked, or failed)

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

    /**
     * Conntrack accounting on, once: call after a rule matching {@code conntrack} (which loads {@code nf_conntrack},
     * whose parameter it is) and before the jumps — the kernel gives a connection counters when it creates it, so
     * every connection queued after is counted. Without it the flows still work, their closed events carry no
     * counted bytes: a failure is only logged.
     */
    void countCarriedBytes() {
        if (accountingAsked) return;
        accountingAsked = true;
        try {
            if (!Sysctl.exists(CONNTRACK_ACCOUNTING)) throw new IOException("no " + Sysctl.path(CONNTRACK_ACCOUNTING));
            accounting = SysctlOverride.set(ledger, CONNTRACK_ACCOUNTING, "1").orElse(null);
        } catch (IOException | RuntimeException e) {
            log.warn("bytes of flows the kernel carries are not counted ({} not set: {})", CONNTRACK_ACCOUNTING,
                    e.getMessage());
        }
    }

    private void record(LedgerEntry e) throws IOException {
        ledger.record(e);
        created.add(e);
    }

    static String fam(IpFamily f) { return f == IpFamily.V4 ? "4" : "6"; }

    /**
     * Removes every jump and chain, newest first (jumps before their chains), then puts accounting back; one that
     * cannot go is logged.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        StateLedger.undoNewestFirst(created, e -> undo(e, iptables));
        if (accounting != null) accounting.close();
    }

    /**
     * Undoes one ledger entry of {@link #LEDGER_CHAIN}, {@link #LEDGER_JUMP} or {@link SysctlOverride#LEDGER_KIND}
     * kind; entries of other kinds are ignored. Missing chains and jumps are not errors. A ledger lists the sysctl
     * before the jumps, so undoing newest first puts it back after them.
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
            case SysctlOverride.LEDGER_KIND -> SysctlOverride.undo(entry);
            default -> { }
        }
    }
}
