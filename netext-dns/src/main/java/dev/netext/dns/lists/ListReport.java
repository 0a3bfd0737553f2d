package dev.netext.dns.lists;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What reading one list file found: entries by kind, and lines that were not entries. Junk lines are counted and the
 * first few named by number, never fatal — the lists people subscribe to carry syntax netext does not implement
 * (adblock cosmetic filters, exceptions, options).
 *
 * @param lines    lines read
 * @param names    domain entries (hosts, plain domains, adblock {@code ||d^})
 * @param prefixes CIDR entries
 * @param comments comment and blank lines
 * @param skipped  hosts-file names that are never blocked ({@code localhost}, {@code broadcasthost}, …)
 * @param junk     lines that are none of the above
 * @param firstJunk line numbers (1-based) of the first {@link #MAX_REPORTED} junk lines
 */
public record ListReport(long lines, long names, long prefixes, long comments, long skipped, long junk, int[] firstJunk) {
    public static final int MAX_REPORTED = 5;

    public ListReport {
        firstJunk = firstJunk.clone();
    }

    @Override
    public int[] firstJunk() { return firstJunk.clone(); }

    /** One line for logs: {@code 100000 names, 0 prefixes from 100012 lines (10 comments, 2 junk: lines 5, 9)}. */
    public String summary() {
        String s = names + " names, " + prefixes + " prefixes from " + lines + " lines (" + comments + " comments";
        if (skipped > 0) s += ", " + skipped + " localhost names skipped";
        if (junk > 0) s += ", " + junk + " junk: line" + (junk == 1 ? " " : "s ")
                + Arrays.stream(firstJunk).mapToObj(Integer::toString).collect(Collectors.joining(", "))
                + (junk > firstJunk.length ? ", …" : "");
        return s + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListReport r && lines == r.lines && names == r.names && prefixes == r.prefixes
                && comments == r.comments && skipped == r.skipped && junk == r.junk && Arrays.equals(firstJunk, r.firstJunk);
    }

    @Override
    public int hashCode() { return Long.hashCode(lines * 31 + names) ^ Arrays.hashCode(firstJunk); }

    @Override
    public String toString() { return summary(); }
}
