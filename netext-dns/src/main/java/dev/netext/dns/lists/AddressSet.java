package dev.netext.dns.lists;

import dev.netext.api.net.IpPrefix;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable set of IPv4 and IPv6 prefixes (the CIDR lines of a block list) as merged, sorted address ranges:
 * a lookup is a binary search over primitive arrays. IPv4 ranges are {@code long}s; IPv6 ranges are pairs of
 * {@code long}s (high and low halves), compared unsigned.
 */
public final class AddressSet {
    public static final AddressSet EMPTY = new Builder().build();

    private final long[] v4Start, v4End;          // inclusive, sorted, disjoint
    private final long[] v6Start, v6End;          // two longs a bound: [2i] high half, [2i+1] low half
    private final int prefixes;

    private AddressSet(long[] v4Start, long[] v4End, long[] v6Start, long[] v6End, int prefixes) {
        this.v4Start = v4Start;
        this.v4End = v4End;
        this.v6Start = v6Start;
        this.v6End = v6End;
        this.prefixes = prefixes;
    }

    /** How many prefixes went in (before merging). */
    public int size() { return prefixes; }

    public long bytes() { return 8L * (v4Start.length + v4End.length + v6Start.length + v6End.length); }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            long v = toLong(b, 0, 4);
            int i = floor(v4Start, v);
            return i >= 0 && v <= v4End[i];
        }
        long hi = toLong(b, 0, 8), lo = toLong(b, 8, 8);
        int lo6 = 0, hi6 = v6Start.length / 2 - 1, found = -1;
        while (lo6 <= hi6) { // the last range starting at or below the address
            int mid = (lo6 + hi6) >>> 1;
            if (compare(v6Start[2 * mid], v6Start[2 * mid + 1], hi, lo) <= 0) { found = mid; lo6 = mid + 1; }
            else hi6 = mid - 1;
        }
        return found >= 0 && compare(hi, lo, v6End[2 * found], v6End[2 * found + 1]) <= 0;
    }

    private static int floor(long[] starts, long v) {
        int i = Arrays.binarySearch(starts, v);
        return i >= 0 ? i : -i - 2;
    }

    private static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    private static long toLong(byte[] b, int from, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | (b[from + i] & 0xFF);
        return v;
    }

    public static final class Builder {
        private final List<long[]> v4 = new ArrayList<>();   // {start, end}
        private final List<long[]> v6 = new ArrayList<>();   // {startHi, startLo, endHi, endLo}
        private int prefixes;

        public Builder add(IpPrefix p) {
            IpPrefix n = p.network();
            byte[] b = n.address().getAddress();
            prefixes++;
            if (n.address() instanceof Inet4Address) {
                long start = toLong(b, 0, 4);
                long size = 1L << (32 - n.length());
                v4.add(new long[] {start, start + size - 1});
            } else {
                long hi = toLong(b, 0, 8), lo = toLong(b, 8, 8);
                int len = n.length();
                long hiMask = len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
                long loMask = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
                v6.add(new long[] {hi, lo, hi | ~hiMask, lo | ~loMask});
            }
            return this;
        }

        public int size() { return prefixes; }

        public AddressSet build() {
            v4.sort(Comparator.comparingLong(r -> r[0]));
            List<long[]> m4 = new ArrayList<>();
            for (long[] r : v4) {
                long[] last = m4.isEmpty() ? null : m4.getLast();
                if (last != null && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
                else m4.add(r.clone());
            }
            v6.sort((x, y) -> compare(x[0], x[1], y[0], y[1]));
            List<long[]> m6 = new ArrayList<>();
            for (long[] r : v6) {
                long[] last = m6.isEmpty() ? null : m6.getLast();
                if (last != null && compare(r[0], r[1], last[2], last[3]) <= 0) {
                    if (compare(r[2], r[3], last[2], last[3]) > 0) { last[2] = r[2]; last[3] = r[3]; }
                } else {
                    m6.add(r.clone());
                }
            }
            long[] s4 = new long[m4.size()], e4 = new long[m4.size()];
            for (int i = 0; i < s4.length; i++) { s4[i] = m4.get(i)[0]; e4[i] = m4.get(i)[1]; }
            long[] s6 = new long[2 * m6.size()], e6 = new long[2 * m6.size()];
            for (int i = 0; i < m6.size(); i++) {
                long[] r = m6.get(i);
                s6[2 * i] = r[0]; s6[2 * i + 1] = r[1]; e6[2 * i] = r[2]; e6[2 * i + 1] = r[3];
            }
            return new AddressSet(s4, e4, s6, e6, prefixes);
        }
    }
}
