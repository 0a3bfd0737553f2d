package dev.netext.daemon.flows;

import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.rules.SavedRules;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The flow-level state the daemon's components share: one flow-id counter for every flow engine and DNS proxy (so a
 * flow id names one flow in the whole log), the DNS proxies' address-to-name maps, the latest DNS answers, the
 * saved rules, and the flow table.
 */
public record FlowServices(AtomicLong flowIds, DnsNames dnsNames, RecentDnsAnswers dnsAnswers, SavedRules savedRules,
                           FlowTable table) {

    /** Fresh services reading {@code log} (the table and the answers are taps on it). */
    public static FlowServices on(EventLog log) {
        return on(log, SavedRules.inMemory());
    }

    /** Fresh services reading {@code log}, with the daemon's saved rules. */
    public static FlowServices on(EventLog log, SavedRules savedRules) {
        FlowServices s = new FlowServices(new AtomicLong(), new DnsNames(), new RecentDnsAnswers(), savedRules,
                new FlowTable(log::wallTime));
        log.tap(s.dnsAnswers());
        log.tap(s.table());
        return s;
    }
}
