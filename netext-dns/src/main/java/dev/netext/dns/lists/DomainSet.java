package dev.netext.dns.lists;

import java.util.Arrays;

/**
 * An immutable set of domain names for block lists of a million names: no names are kept, only two hashes of each
 * name's wire form ({@link NameHash}) in primitive arrays — 12 bytes a name plus a bucket index of about 1 byte a
 * name (docs/PERFORMANCE.md has the measured figures).
 *
 * <p>Layout: {@code keys} holds the first hashes sorted (unsigned); {@code checks[i]} holds 31 bits of the second
 * hash of the same name, shifted left one, with {@link #SUBTREE} in the low bit when the entry also covers every name
 * below it. {@code buckets[k]} is where the keys whose top {@code bucketBits} bits are {@code k} start, so a lookup
 * scans a handful of neighbouring keys instead of binary-searching the whole array.
 *
 * <p>A lookup walks the queried name's suffixes from the full name towards the root (at most 127 labels) and probes
 * each: the full name matches any entry, a shorter suffix only a {@link #SUBTREE} entry. It allocates nothing, on the
 * wire form ({@link #containsWire}) and on text ({@link #containsName}) alike.
 */
public final class DomainSet {
    /** Low bit of a check word: the entry covers the name and every name below it. */
    static final int SUBTREE = 1;
    public static final DomainSet EMPTY = new Builder().build();

    private final long[] keys;
    private final int[] checks;
    private final int[] buckets;
    private final int bucketShift;

    private DomainSet(long[] keys, int[] checks, int[] buckets, int bucketBits) {
        this.keys = keys;
        this.checks = checks;
        this.buckets = buckets;
        this.bucketShift = 64 - bucketBits;
    }

    public int size() { return keys.length; }

    /** Bytes of the arrays (what a name costs: this over {@link #size}). */
    public long bytes() { return 8L * keys.length + 4L * checks.length + 4L * buckets.length; }

    /** Whether the wire name {@code b[start, end)} (uncompressed, ending after the root's zero byte) is in the set. */
    public boolean containsWire(byte[] b, int start, int end) {
        if (keys.length == 0) return false;
        int p = start;
        while (p < end) {
            int l = b[p] & 0xFF;
            if (l == 0 || l > 63 || p + l + 1 >= end || b[p + l + 1] == 0) return false; // entries have two labels or more: no TLD probe
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
        if (keys.length == 0 || to == 0) return false;
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

    /** Index of the first key equal to {@code h1}, or -1. */
    private int first(long h1) {
        int k = (int) (h1 >>> bucketShift);
        for (int i = buckets[k], end = buckets[k + 1]; i < end; i++) {
            long key = keys[i];
            if (key == h1) return i;
            if (Long.compareUnsigned(key, h1) > 0) return -1;
        }
        return -1;
    }

    /** {@link #SUBTREE} or 0 for the entry from {@code i} on with first hash {@code keys[i]} and second {@code h2}, or -1. */
    private int check(int i, long h2) {
        int want = (int) (h2 >>> 33) << 1;
        long h1 = keys[i];
        for (; i < keys.length && keys[i] == h1; i++) if ((checks[i] & ~SUBTREE) == want) return checks[i] & SUBTREE;
        return -1;
    }

    /** Collects names, then sorts them into a set once. Not thread-safe. */
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
                keys = Arrays.copyOf(keys, size * 2);
                checks = Arrays.copyOf(checks, size * 2);
            }
            keys[size] = NameHash.text1(name, 0, name.length());
            checks[size] = ((int) (NameHash.text2(name, 0, name.length()) >>> 33) << 1) | (subtree ? SUBTREE : 0);
            size++;
            return this;
        }

        public int size() { return size; }

        public DomainSet build() {
            long[] k = Arrays.copyOf(keys, size);
            int[] c = Arrays.copyOf(checks, size);
            radixSort(k, c);
            int n = dedupe(k, c);
            k = Arrays.copyOf(k, n);
            c = Arrays.copyOf(c, n);
            int bits = Math.max(1, 63 - Long.numberOfLeadingZeros(Math.max(1, n)) - 2); // about 4–8 keys a bucket
            int[] b = new int[(1 << bits) + 1];
            int shift = 64 - bits;
            for (int i = 0, bucket = 0; bucket <= 1 << bits; bucket++) {
                while (i < n && (int) (k[i] >>> shift) < bucket) i++;
                b[bucket] = i;
            }
            return new DomainSet(k, c, b, bits);
        }

        /** Merges equal entries (same two hashes); a subtree entry covers the exact one. Returns the new count. */
        private static int dedupe(long[] k, int[] c) {
            int n = 0;
            for (int i = 0; i < k.length; i++) {
                int dup = -1;
                for (int j = n - 1; j >= 0 && k[j] == k[i]; j--) {
                    if ((c[j] & ~SUBTREE) == (c[i] & ~SUBTREE)) { dup = j; break; }
                }
                if (dup >= 0) {
                    c[dup] |= c[i] & SUBTREE;
                } else {
                    k[n] = k[i];
                    c[n] = c[i];
                    n++;
                }
            }
            return n;
        }

        /** LSD radix sort of {@code k} as unsigned, 16 bits a pass, carrying {@code c} along. */
        private static void radixSort(long[] k, int[] c) {
            int n = k.length;
            long[] k2 = new long[n];
            int[] c2 = new int[n];
            int[] count = new int[1 << 16];
            for (int shift = 0; shift < 64; shift += 16) {
                Arrays.fill(count, 0);
                for (long v : k) count[(int) (v >>> shift) & 0xFFFF]++;
                for (int i = 0, sum = 0; i < count.length; i++) { int t = count[i]; count[i] = sum; sum += t; }
                for (int i = 0; i < n; i++) {
                    int d = (int) (k[i] >>> shift) & 0xFFFF;
                    int at = count[d]++;
                    k2[at] = k[i];
                    c2[at] = c[i];
                }
                long[] tk = k; k = k2; k2 = tk;
                int[] tc = c; c = c2; c2 = tc;
            }
            // four passes: the sorted data is back in the caller's arrays
        }
    }
}
