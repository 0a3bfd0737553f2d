package dev.netext.dns.lists;

import static dev.netext.dns.wire.DnsWire.fold;

/**
 * The two independent 64-bit hashes a {@link DomainSet} keys names by, computed over a name's uncompressed wire form
 * (length-prefixed labels and the root's zero byte, ASCII-folded), so a wire name from a query and a text name from a
 * list file hash alike without either being converted. Two hashes make a false match need both to collide (about
 * 2^-95 per pair of names), so the set keeps no names at all.
 */
final class NameHash {
    private NameHash() {}

    static final long SEED1 = 0xCBF29CE484222325L;
    static final long SEED2 = 0x9E3779B97F4A7C15L;

    static long step1(long h, int b) { return (h ^ b) * 0x100000001B3L; }            // FNV-1a

    static long step2(long h, int b) { return Long.rotateLeft((h + b) * 0xC2B2AE3D27D4EB4FL, 31); }

    /** MurmurHash3's 64-bit finaliser: every input bit reaches the top bits the set's index uses. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /** First hash of the wire name {@code b[from, to)} (which ends with the root's zero byte). */
    static long wire1(byte[] b, int from, int to) {
        long h = SEED1;
        for (int i = from; i < to; i++) h = step1(h, fold(b[i]) & 0xFF);
        return mix(h);
    }

    static long wire2(byte[] b, int from, int to) {
        long h = SEED2;
        for (int i = from; i < to; i++) h = step2(h, fold(b[i]) & 0xFF);
        return mix(h);
    }

    /**
     * First hash of the wire form of the text name {@code s[from, to)} (dot-separated labels, no trailing dot, already
     * checked to be a valid name): each label's length byte, then its characters, then the root's zero.
     */
    static long text1(CharSequence s, int from, int to) {
        long h = SEED1;
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                h = step1(h, i - labelStart);
                for (int k = labelStart; k < i; k++) h = step1(h, fold((byte) s.charAt(k)) & 0xFF);
                labelStart = i + 1;
            }
        }
        return mix(step1(h, 0));
    }

    static long text2(CharSequence s, int from, int to) {
        long h = SEED2;
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                h = step2(h, i - labelStart);
                for (int k = labelStart; k < i; k++) h = step2(h, fold((byte) s.charAt(k)) & 0xFF);
                labelStart = i + 1;
            }
        }
        return mix(step2(h, 0));
    }
}
