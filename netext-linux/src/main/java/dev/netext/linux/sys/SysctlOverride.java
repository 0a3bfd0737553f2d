package dev.netext.linux.sys;

import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * A kernel parameter netext sets for as long as something of its own runs, and puts back: its old value is written
 * to the {@link StateLedger} before the new one, so {@link #close} — or, after {@code kill -9}, the next start's
 * recovery and {@code netext diagnose --fix} ({@link #undo}) — restores it. A parameter that already had the value is
 * left alone (nothing recorded, nothing restored). Restoring leaves a value someone changed since as they set it.
 * Like {@link Sysctl}, it acts on the calling thread's network namespace ({@code net.*}): set and restore from the same one.
 *
 * <p>Ledger line: {@code sysctl name=net.netfilter.nf_conntrack_acct old=0 value=1}. Values are single tokens (the
 * numeric knobs), as a ledger line requires.
 */
public final class SysctlOverride implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SysctlOverride.class);
    /** The ledger entry kind. */
    public static final String LEDGER_KIND = "sysctl";

    private final LedgerEntry entry;
    private boolean closed;

    private SysctlOverride(LedgerEntry entry) {
        this.entry = entry;
    }

    /**
     * Sets {@code name} to {@code value}, recording its old value in {@code ledger} first; empty when it already
     * had that value (nothing to put back).
     */
    public static Optional<SysctlOverride> set(StateLedger ledger, String name, String value) throws IOException {
        String old = Sysctl.get(name).strip();
        if (old.equals(value)) return Optional.empty();
        LedgerEntry e = LedgerEntry.of(LEDGER_KIND, "name", name, "old", old, "value", value);
        ledger.record(e);
        Sysctl.set(name, value);
        return Optional.of(new SysctlOverride(e));
    }

    /** The parameter's name, as given to {@link #set}. */
    public String name() { return entry.require("name"); }

    /** Puts the old value back (once); a failure is logged. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            undo(entry);
        } catch (IOException | RuntimeException e) {
            log.warn("restoring sysctl {}: {}", name(), e.getMessage());
        }
    }

    /**
     * Undoes one ledger entry of {@link #LEDGER_KIND} (others are ignored): the old value goes back if the parameter
     * still has the value netext set; a parameter gone (its module unloaded) needs nothing.
     */
    public static void undo(LedgerEntry e) throws IOException {
        if (!inForce(e)) return;
        Sysctl.set(e.require("name"), e.require("old"));
    }

    /** Whether {@code e} is a {@link #LEDGER_KIND} entry whose value the parameter still has (what undo would put back). */
    public static boolean inForce(LedgerEntry e) throws IOException {
        if (!e.kind().equals(LEDGER_KIND) || !Sysctl.exists(e.require("name"))) return false;
        return Sysctl.get(e.require("name")).strip().equals(e.require("value"));
    }
}
