package dev.netext.dns.lists;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.AnonymousMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * An immutable set of domain names for block lists of a million names: no names are kept, only two hashes of each
 * name's wire form ({@link NameHash}) in an open-addressing table of about 17 bytes a name, off the heap in an
 * anonymous mapping ({@link AnonymousMemory}) so that the heap neither holds nor grows for it and {@link #close}
 * gives every byte back at once (docs/PERFORMANCE.md has the measured figures).
 *
 * <p>Layout: {@code keys} is a linear-probing table of first hashes (0 marks an empty slot; a hash of 0 is stored as
 * 1), filled to at most {@link #LOAD}; a name's home slot is its first hash mapped onto the table by multiply-shift.
 * {@code checks[i]} holds 31 bits of the second hash of the same name, shifted left one, with {@link #SUBTREE} in the
 * low bit when the entry also covers every name below it. A probe for an unlisted name reads one or two cache lines
 * of {@code keys} and nothing else; {@code checks} and the second hash are touched only when a first hash matched.
 *
 * <p>A lookup walks the queried name's suffixes from the full name towards the root (at most 127 labels; the one-label
 * suffix is skipped, no entry has one label) and probes each: the full name matches any entry, a shorter suffix only
 * a {@link #SUBTREE} entry. It allocates nothing, on the wire form ({@link #containsWire}) and on text
 * ({@link #containsName}) alike.
 *
 * <p>Lifetime: the memory belongs to a shared arena. {@link #close} unmaps it (a lookup racing the close fails with
 * {@link IllegalStateException}, never reads freed memory: {@link WatchedList} closes a replaced list only after a
 * grace period and retries such a lookup on the new list); a set nobody closed is unmapped once it is garbage.
 */
public final class DomainSet implements AutoCloseable {
    /** Low bit of a check word: the entry covers the name and every name below it. */
    static final int SUBTREE = 1;
    /** Highest fill of the table: a miss then scans about 8 slots, two cache lines at most. */
    static final double LOAD = 0.72;
    /** An empty set, never closed (closing it does nothing). */
    public static final DomainSet EMPTY = new DomainSet(MemorySegment.NULL, MemorySegment.NULL, 0, 0, null);

    /** Unmaps the tables of sets nobody closed; its thread starts with the first table (not for {@link #EMPTY}). */
    private static final class Unmapper {
        static final Cleaner CLEANER = Cleaner.create(r -> Thread.ofPlatform().daemon().name("netext-lists-free").unstarted(r));
    }

    private final MemorySegment keys;   // long per slot
    private final MemorySegment checks; // int per slot
    private final int length;
    private final int size;
    private final Cleaner.Cleanable unmap; // null for EMPTY

    /** A set over {@code keys} and {@code checks} of {@code length} slots, mapped in {@code arena} (null: not mapped). */
    private DomainSet(MemorySegment keys, MemorySegment checks, int length, int size, Arena arena) {
        this.keys = keys;
        this.checks = checks;
        this.length = length;
        this.size = size;
        this.unmap = arena == null ? null : Unmapper.CLEANER.register(this, arena::close);
    }

    public int size() { return size; }

    /** Bytes of the table (what a name costs: this over {@link #size}). */
    public long bytes() { return 12L * length; }

    /** Whether the table is still mapped (false after {@link #close}). */
    public boolean isOpen() { return unmap == null || keys.scope().isAlive(); }

    /** Unmaps the table now; a lookup after it throws {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() { if (unmap != null) unmap.clean(); }

    /** Whether the wire name {@code b[start, end)} (uncompressed, ending after the root's zero byte) is in the set. */
    public boolean containsWire(byte[] b, int start, int end) {
        if (size == 0) return false;
        try {
            return containsWireSuffix(b, start, end);
        } finally {
            Reference.reachabilityFence(this); // the table is unmapped when this set is garbage: not while in use
        }
    }

    private boolean containsWireSuffix(byte[] b, int start, int end) {
        int p = start;
        while (p < end) {
            int l = b[p] & 0xFF;
            if (l == 0 || l > 63 || p + l + 1 >= end || b[p + l + 1] == 0) return false; // no entry has one label
            int i = first(NameHash.wire1(b, p, end));
            if (i >= 0) {
                int c = check(i, NameHash.wire2(b, p, end)); // the second hash only when the first one matched
                if (c >= 0 && (p == start || (c & SUBTREE) != 0)) return true;
            }
            p += l + 1;
        }
        return false;
    }

    /** Whether the text name (any case, with or without the trailing dot) is in the set. */
    public boolean containsName(CharSequence name) {
        int to = name.length();
        if (to > 0 && name.charAt(to - 1) == '.') to--;
        if (size == 0 || to == 0) return false;
        try {
            return containsTextSuffix(name, to);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private boolean containsTextSuffix(CharSequence name, int to) {
        int p = 0;
        while (p < to) {
            int dot = indexOf(name, '.', p, to);
            if (dot < 0) return false; // a single label: no entry is one
            int i = first(NameHash.text1(name, p, to));
            if (i >= 0) {
                int c = check(i, NameHash.text2(name, p, to));
                if (c >= 0 && (p == 0 || (c & SUBTREE) != 0)) return true;
            }
            p = dot + 1;
        }
        return false;
    }

    private static int indexOf(CharSequence s, char c, int from, int to) {
        for (int i = from; i < to; i++) if (s.charAt(i) == c) return i;
        return -1;
    }

    private static long stored(long h1) { return h1 == 0 ? 1 : h1; }

    /** The home slot of a first hash: multiply-shift onto {@code [0, length)}, no power of two needed. */
    private static int home(long h1, int length) { return (int) (((h1 >>> 32) * length) >>> 32); }

    /** The first slot holding {@code h1}, or -1. */
    private int first(long h1) {
        long want = stored(h1);
        int n = length;
        for (int i = home(want, n); ; i = i + 1 == n ? 0 : i + 1) {
            long key = keys.getAtIndex(JAVA_LONG, i);
            if (key == want) return i;
            if (key == 0) return -1;
        }
    }

    /** {@link #SUBTREE} or 0 for the entry from slot {@code i} on with the same first hash and second hash {@code h2}, or -1. */
    private int check(int i, long h2) {
        int want = (int) (h2 >>> 33) << 1;
        long h1 = keys.getAtIndex(JAVA_LONG, i);
        int n = length;
        for (long key; (key = keys.getAtIndex(JAVA_LONG, i)) != 0; i = i + 1 == n ? 0 : i + 1) {
            int c = checks.getAtIndex(JAVA_INT, i);
            if (key == h1 && (c & ~SUBTREE) == want) return c & SUBTREE;
        }
        return -1;
    }

    /** A zeroed anonymous mapping in a shared arena of its own. */
    private static MemorySegment map(long bytes, Arena arena) {
        try {
            return AnonymousMemory.map(bytes, arena);
        } catch (LinuxException e) {
            arena.close();
            throw new IllegalStateException("cannot map " + bytes + " bytes for a block list: " + e.getMessage(), e);
        }
    }

    /**
     * Collects names, then puts them into a table once ({@link #build} empties the builder). Not thread-safe. The
     * collected hashes live off the heap too (12 bytes a name, in a mapping that doubles as it fills), so loading a
     * list does not grow the heap; {@link #build} or {@link #close} unmaps them.
     */
    public static final class Builder implements AutoCloseable {
        private static final int ENTRY = 12; // long first hash, int check word
        private Arena arena;
        private MemorySegment entries;
        private int size;

        /**
         * Adds a valid text name of two labels or more (lower or upper case, no trailing dot): {@code subtree} true to
         * cover the names below it too.
         */
        public Builder add(CharSequence name, boolean subtree) {
            if (indexOf(name, '.', 0, name.length()) < 0) throw new IllegalArgumentException("a single label: " + name);
            if (entries == null || (long) (size + 1) * ENTRY > entries.byteSize()) grow();
            long at = (long) size * ENTRY;
            entries.set(JAVA_LONG_UNALIGNED, at, stored(NameHash.text1(name, 0, name.length())));
            entries.set(JAVA_INT_UNALIGNED, at + 8, ((int) (NameHash.text2(name, 0, name.length()) >>> 33) << 1) | (subtree ? SUBTREE : 0));
            size++;
            return this;
        }

        private void grow() {
            long bytes = entries == null ? 1024L * ENTRY : entries.byteSize() * 2;
            Arena next = Arena.ofShared();
            MemorySegment bigger = map(bytes, next);
            if (entries != null) MemorySegment.copy(entries, 0, bigger, 0, (long) size * ENTRY);
            close();
            arena = next;
            entries = bigger;
        }

        public int size() { return size; }

        public DomainSet build() {
            int length = (int) Math.min((Integer.MAX_VALUE - 8) / 8, Math.max(8, (long) Math.ceil(size / LOAD) + 1));
            Arena tableArena = Arena.ofShared();
            MemorySegment table = map(12L * length, tableArena);
            MemorySegment k = table.asSlice(0, 8L * length);
            MemorySegment c = table.asSlice(8L * length, 4L * length);
            int n = 0;
            for (int e = 0; e < size; e++) {
                long h1 = entries.get(JAVA_LONG_UNALIGNED, (long) e * ENTRY);
                int check = entries.get(JAVA_INT_UNALIGNED, (long) e * ENTRY + 8);
                int i = home(h1, length);
                while (true) {
                    long key = k.getAtIndex(JAVA_LONG, i);
                    if (key == 0) { k.setAtIndex(JAVA_LONG, i, h1); c.setAtIndex(JAVA_INT, i, check); n++; break; }
                    int ci = c.getAtIndex(JAVA_INT, i);
                    if (key == h1 && (ci & ~SUBTREE) == (check & ~SUBTREE)) { c.setAtIndex(JAVA_INT, i, ci | (check & SUBTREE)); break; } // the same name again
                    i = i + 1 == length ? 0 : i + 1;
                }
            }
            close();
            size = 0;
            return new DomainSet(k, c, length, n, tableArena);
        }

        /** Unmaps what was collected (after {@link #build}, nothing is left to unmap). */
        @Override
        public void close() {
            if (arena != null) arena.close();
            arena = null;
            entries = null;
        }
    }
}
