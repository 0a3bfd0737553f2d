package dev.netext.dns.lists;

import java.util.Arrays;

/**
 * An immutable set of domain names for block lists of a million names: no names are kept, only two hashes of each
 * name's wire form ({@link NameHash}) in primitive arrays — an open-addressing table of about 17 bytes a name
 * (docs/PERFORMANCE.md has the measured figures).
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
 */
public final class DomainSet {
    /** Low bit of a check word: the entry covers the name and every name below it. */
    static final int SUBTREE = 1;
    /** Highest fill of the table: a miss then scans about 8 slots, two cache lines at most. */
    static final double LOAD = 0.72;
    public static final DomainSet EMPTY = new Builder().build();

    private final long[] keys;
    private final int[] checks;
    private final int size;

    private DomainSet(long[] keys, int[] checks, int size) {
        this.keys = keys;
        this.checks = checks;
        this.size = size;
    }

    public int size() { return size; }

    /** Bytes of the arrays (what a name costs: this over {@link #size}). */
    public long bytes() { return 8L * keys.length + 4L * checks.length; }

    /** Whether the wire name {@code b[start, end)} (uncompressed, ending after the root's zero byte) is in the set. */
    public boolean containsWire(byte[] b, int start, int end) {
        if (size == 0) return false;
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
        int n = keys.length;
        for (int i = home(want, n); ; i = i + 1 == n ? 0 : i + 1) {
            long key = keys[i];
            if (key == want) return i;
            if (key == 0) return -1;
        }
    }

    /** {@link #SUBTREE} or 0 for the entry from slot {@code i} on with the same first hash and second hash {@code h2}, or -1. */
    private int check(int i, long h2) {
        int want = (int) (h2 >>> 33) << 1;
        long h1 = keys[i];
        int n = keys.length;
        for (; keys[i] != 0; i = i + 1 == n ? 0 : i + 1)
            if (keys[i] == h1 && (checks[i] & ~SUBTREE) == want) return checks[i] & SUBTREE;
        return -1;
    }

    /** Collects names, then puts them into a table once ({@link #build} empties the builder). Not thread-safe. */
    public static final class Builder {
        private long[] keys = new long[1024];
        private int[] checks = new int[1024];
        private int size;

        /**
         * Adds a valid text name of two labels or more (lower or upper case, no trailing dot): {@code subtree} true to
         * cover the names below it too.
         */
        public Builder add(CharSequence name, boolean subtree) {
            if (indexOf(name, '.', 0, name.length()) < 0) throw new IllegalArgumentException("a single label: " + name);
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, Math.max(1024, size * 2));
                checks = Arrays.copyOf(checks, Math.max(1024, size * 2));
            }
            keys[size] = stored(NameHash.text1(name, 0, name.length()));
            checks[size] = ((int) (NameHash.text2(name, 0, name.length()) >>> 33) << 1) | (subtree ? SUBTREE : 0);
            size++;
            return this;
        }

        public int size() { return size; }

        public DomainSet build() {
            int length = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(8, (long) Math.ceil(size / LOAD) + 1));
            long[] k = new long[length];
            int[] c = new int[length];
            int n = 0;
            for (int e = 0; e < size; e++) {
                long h1 = keys[e];
                int check = checks[e];
                int i = home(h1, length);
                while (true) {
                    if (k[i] == 0) { k[i] = h1; c[i] = check; n++; break; }
                    if (k[i] == h1 && (c[i] & ~SUBTREE) == (check & ~SUBTREE)) { c[i] |= check & SUBTREE; break; } // the same name again
                    i = i + 1 == length ? 0 : i + 1;
                }
            }
            keys = new long[0];
            checks = new int[0];
            size = 0;
            return new DomainSet(k, c, n);
        }
    }
}
