package dev.netext.dns.split;

import dev.netext.dns.wire.Names;

import java.util.Arrays;
import java.util.List;

import static dev.netext.dns.wire.DnsWire.fold;

/**
 * Longest-suffix lookup of a wire-format name among rule domains, without decoding the name or allocating: for each
 * label boundary from the left (the longest suffix first) it hashes the rest of the name and probes an
 * open-addressing table of the rules' wire-form domains. A query name has at most 127 labels; a typical one 3–5.
 */
final class SuffixTable {
    private final long[] hashes;
    private final byte[][] suffixes;
    private final SplitRule[] rules;
    private final int mask;

    /** Later rules win over earlier ones with the same domain. */
    SuffixTable(List<SplitRule> all) {
        int size = Integer.highestOneBit(Math.max(8, all.size() * 2 - 1)) << 1;
        hashes = new long[size];
        suffixes = new byte[size][];
        rules = new SplitRule[size];
        mask = size - 1;
        for (SplitRule r : all) {
            byte[] wire = Names.encode(r.domain());
            long h = hash(wire, 0, wire.length);
            int i = (int) h & mask;
            while (suffixes[i] != null && !Arrays.equals(suffixes[i], wire)) i = (i + 1) & mask;
            hashes[i] = h;
            suffixes[i] = wire;
            rules[i] = r;
        }
    }

    static long hash(byte[] b, int from, int to) {
        long h = 0xCBF29CE484222325L;
        for (int i = from; i < to; i++) h = (h ^ fold(b[i])) * 0x100000001B3L;
        return h ^ (h >>> 29);
    }

    /** The rule with the longest domain that {@code b[start, end)} (a wire name ending in the root label) is within, or null. */
    SplitRule match(byte[] b, int start, int end) {
        int p = start;
        while (p < end) {
            SplitRule r = probe(b, p, end);
            if (r != null) return r;
            int l = b[p] & 0xFF;
            if (l == 0) break;
            p += l + 1;
        }
        return null;
    }

    private SplitRule probe(byte[] b, int from, int to) {
        long h = hash(b, from, to);
        int i = (int) h & mask;
        while (suffixes[i] != null) {
            if (hashes[i] == h && equalsFolded(suffixes[i], b, from, to)) return rules[i];
            i = (i + 1) & mask;
        }
        return null;
    }

    private static boolean equalsFolded(byte[] wire, byte[] b, int from, int to) {
        if (wire.length != to - from) return false;
        for (int i = 0; i < wire.length; i++) if (wire[i] != fold(b[from + i])) return false;
        return true;
    }
}
