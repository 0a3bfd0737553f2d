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
    /** Answers held until their client socket's process was named ({@link HeldAnswers}); those the bound released. */
    final LongAdder held = new LongAdder();
    final LongAdder holdExpired = new LongAdder();
    final LongAdder heldNanos = new LongAdder();

    public long queries() { return queries.sum(); }
    public long dropped() { return dropped.sum(); }
    public long formErr() { return formErr.sum(); }
    public long servfail() { return servfail.sum(); }
    public long truncated() { return truncated.sum(); }
    public long refusedByAcl() { return refusedByAcl.sum(); }
    public long rateLimited() { return rateLimited.sum(); }
    /** First answers to new client sockets held while their process was named. */
    public long heldForProcess() { return held.sum(); }
    /** Of those, the ones sent when the hold bound passed, unnamed. */
    public long holdExpired() { return holdExpired.sum(); }
    /** Time those answers were held, in total. */
    public long heldNanos() { return heldNanos.sum(); }

    @Override
    public String toString() {
        return queries() + " queries, " + servfail() + " SERVFAIL, " + formErr() + " FORMERR, " + truncated() + " truncated, "
                + dropped() + " dropped, " + refusedByAcl() + " outside the ACL, " + rateLimited() + " rate-limited";
    }
}
