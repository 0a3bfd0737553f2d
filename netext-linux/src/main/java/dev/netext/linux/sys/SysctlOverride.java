package dev.netext.linux.sys;

import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A kernel parameter netext sets for as long as something of its own runs, and puts back: its old value is written
 * to the {@link StateLedger} before the new one, so {@link #close} — or, after {@code kill -9}, the next start's
 * recovery and {@code netext diagnose --fix} ({@link #undo}) — restores it. A parameter that already had the value is
 * left alone (nothing recorded, nothing restored), unless a dead instance's ledger set it: that setting is adopted
 * (its entry recorded here), so recovering the dead ledger later leaves it to this owner. Restoring leaves a value someone changed since as they set it.
 * Like {@link Sysctl}, it acts on the calling thread's network namespace ({@code net.*}): set and restore from the same one.
 *
 * <p>Held by several owners of one process (the fast path's steering and the inbound one both need conntrack
 * accounting): the first sets it, later ones join, the last one's close puts the old value back. Each holder writes
 * the same entry to its own ledger, so whichever ledger outlives the others still restores it after a crash; the
 * copies restore it once — recovery skips an entry a live ledger also names, and undo only acts while the value is
 * still the one set.
 *
 * <p>Ledger line: {@code sysctl name=net.netfilter.nf_conntrack_acct old=0 value=1}. Values are single tokens (the
 * numeric knobs), as a ledger line requires.
 */
public final class SysctlOverride implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SysctlOverride.class);
    /** The ledger entry kind. */
    public static final String LEDGER_KIND = "sysctl";

    /** The overrides in force in this process, by namespace and parameter: the entry and how many hold it. */
    private static final Map<Held, Holders> HELD = new HashMap<>();

    private record Held(String namespace, String name) {}

    private static final class Holders {
        final LedgerEntry entry;
        int count;

        Holders(LedgerEntry entry) { this.entry = entry; }
    }

    private final Held key;
    private final LedgerEntry entry;
    private boolean closed;

    private SysctlOverride(Held key, LedgerEntry entry) {
        this.key = key;
        this.entry = entry;
    }

    /**
     * Sets {@code name} to {@code value}, recording its old value in {@code ledger} first; empty when it already
     * had that value and no holder in this process set it (nothing to put back). When one did, this joins it: the
     * same entry goes to {@code ledger}, and the old value comes back only after every holder closed. Refused when
     * a holder here set another value.
     */
    public static Optional<SysctlOverride> set(StateLedger ledger, String name, String value) throws IOException {
        Held key = new Held(NetworkNamespace.currentKey(), name);
        synchronized (HELD) {
            Holders h = HELD.get(key);
            if (h != null) {
                if (!h.entry.require("value").equals(value))
                    throw new IOException("sysctl " + name + " is held at " + h.entry.require("value") + " by netext");
                ledger.record(h.entry); // before joining: this ledger may be the last to restore it
                h.count++;
                return Optional.of(new SysctlOverride(key, h.entry));
            }
            String old = Sysctl.get(name).strip();
            LedgerEntry e;
            if (old.equals(value)) {
                // Already set: by someone else (nothing to put back), or by a dead instance whose ledger is not
                // recovered yet — adopted, or that recovery would put the old value back under this holder.
                e = adoptable(ledger, name, value).orElse(null);
                if (e == null) return Optional.empty();
                ledger.record(e);
            } else {
                e = LedgerEntry.of(LEDGER_KIND, "name", name, "old", old, "value", value);
                ledger.record(e);
                Sysctl.set(name, value);
            }
            h = new Holders(e);
            h.count = 1;
            HELD.put(key, h);
            return Optional.of(new SysctlOverride(key, e));
        }
    }

    /** A dead instance's entry setting {@code name} to {@code value} here, from the ledgers beside {@code ledger}. */
    private static Optional<LedgerEntry> adoptable(StateLedger ledger, String name, String value) throws IOException {
        return StateLedger.deadEntriesHere(ledger.file().getParent()).stream()
                .filter(e -> e.kind().equals(LEDGER_KIND) && name.equals(e.get("name")) && value.equals(e.get("value")))
                .findFirst();
    }

    /** The parameter's name, as given to {@link #set}. */
    public String name() { return entry.require("name"); }

    /** Leaves the override (once); the last holder puts the old value back, a failure is logged. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        synchronized (HELD) { // restored under the lock: a holder joining meanwhile would find the value it set
            Holders h = HELD.get(key);
            if (h != null && --h.count > 0) return; // another holder still needs it
            HELD.remove(key);
            try {
                undo(entry);
            } catch (IOException | RuntimeException e) {
                log.warn("restoring sysctl {}: {}", name(), e.getMessage());
            }
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
