package dev.netext.dns.server;

import java.util.concurrent.atomic.LongAdder;

/** Counters of a running {@link DnsProxyServer}. */
public final class DnsServerStats {
    final LongAdder queries = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder formErr = new LongAdder();
    final LongAdder servfail = new LongAdder();
    final LongAdder truncated = new LongAdder();
    final LongAdder refusedByAcl = new LongAdder();
    final LongAdder rateLimited = new LongAdder();

    public long queries() { return queries.sum(); }
    public long dropped() { return dropped.sum(); }
    public long formErr() { return formErr.sum(); }
    public long servfail() { return servfail.sum(); }
    public long truncated() { return truncated.sum(); }
    public long refusedByAcl() { return refusedByAcl.sum(); }
    public long rateLimited() { return rateLimited.sum(); }

    @Override
    public String toString() {
        return queries() + " queries, " + servfail() + " SERVFAIL, " + formErr() + " FORMERR, " + truncated() + " truncated, "
                + dropped() + " dropped, " + refusedByAcl() + " outside the ACL, " + rateLimited() + " rate-limited";
    }
}
