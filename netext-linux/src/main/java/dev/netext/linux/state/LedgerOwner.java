package dev.netext.linux.state;

import dev.netext.linux.sys.ProcessInfo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The first line of a ledger: who wrote it, and in which network namespace, in terms that survive reuse.
 * {@code owner pid=… start=… netns=… cookie=… boot=…}
 *
 * <ul>
 *   <li>pid + start (clock ticks since boot): a pid is reused, a pid with its start time is not, within a boot;</li>
 *   <li>netns (inode) + cookie ({@code SO_NETNS_COOKIE}): the inode of a deleted namespace is handed to the next one
 *       created, its cookie never is, within a boot;</li>
 *   <li>boot ({@code /proc/sys/kernel/random/boot_id}): start times and cookies count from boot.</li>
 * </ul>
 *
 * Ledgers written before cookie and boot were recorded lack them: {@code cookie} is then 0 and {@code boot} null,
 * and the namespace is judged by its inode alone (see {@link #placeIn}).
 */
public record LedgerOwner(int pid, long startTime, long netns, long cookie, String boot) {
    static final String KIND = "owner";

    /** This process, in the calling thread's namespace. */
    static LedgerOwner current(int pid, long netns, long cookie) {
        return new LedgerOwner(pid, ProcessInfo.currentStartTime(), netns, cookie, ProcessInfo.bootId());
    }

    /** The owner line's entry (without {@code boot} when this kernel has no boot id to read). */
    LedgerEntry toEntry() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("pid", Integer.toString(pid));
        f.put("start", Long.toString(startTime));
        f.put("netns", Long.toString(netns));
        f.put("cookie", Long.toUnsignedString(cookie));
        if (boot != null) f.put("boot", boot);
        return new LedgerEntry(KIND, f);
    }

    /** The owner named by a ledger's first line; null when it is torn or not an owner line. */
    public static LedgerOwner parse(String firstLine) {
        LedgerEntry e = firstLine == null ? null : LedgerEntry.parse(firstLine);
        if (e == null || !e.kind().equals(KIND)) return null;
        try {
            String cookie = e.get("cookie");
            return new LedgerOwner(Integer.parseInt(e.require("pid")), Long.parseLong(e.require("start")),
                    Long.parseLong(e.require("netns")), cookie == null ? 0 : Long.parseUnsignedLong(cookie), e.get("boot"));
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /** Whether it was written in an earlier boot (known only when it recorded one). */
    public boolean earlierBoot(String currentBoot) {
        return boot != null && currentBoot != null && !boot.equals(currentBoot);
    }

    /** Whether the owner still runs: same boot, and its pid has its start time. */
    public boolean alive(String currentBoot) {
        return !earlierBoot(currentBoot) && ProcessInfo.isAlive(pid, startTime);
    }

    /** Where the ledger's namespace is, seen from the namespace doing recovery. */
    public enum Place {
        /** This namespace: its objects are ours to undo. */
        HERE,
        /** Another namespace that exists: left for a netext there. */
        ELSEWHERE,
        /**
         * A namespace that no longer exists — deleted, of an earlier boot, or one whose inode a new namespace (maybe
         * this one) now has: its kernel objects went away with it.
         */
        GONE
    }

    /**
     * Where this ledger's namespace is, seen from the namespace {@code inode}/{@code cookie} (0: unknown) of boot
     * {@code currentBoot}, given the inodes of the namespaces that exist.
     */
    public Place placeIn(long inode, long cookie, String currentBoot, Set<Long> existingInodes) {
        if (earlierBoot(currentBoot)) return Place.GONE;
        if (netns == inode) {
            // Same inode: the same namespace, or a new one that got a deleted one's inode. The cookie tells them
            // apart; without one (an older ledger, an older kernel) it is taken as the same, and recovery then skips
            // what a live ledger of this namespace names (StateLedger#recover).
            boolean reused = this.cookie != 0 && cookie != 0 && this.cookie != cookie;
            return reused ? Place.GONE : Place.HERE;
        }
        return existingInodes.contains(netns) ? Place.ELSEWHERE : Place.GONE;
    }
}
