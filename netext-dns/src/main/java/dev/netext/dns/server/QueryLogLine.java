package dev.netext.dns.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.flow.ProcessInfo;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per query for {@code --log} and {@code netext dns log}:
 * {@code 16:02:11.204 127.0.0.1:40211 udp www.foo.mycompany.com A → foo.mycompany.com→corp udp://10.0.0.53:53 NOERROR 1 answer 0.41 ms by /usr/bin/dig[4242]}
 * (the querying process when it was attributed).
 */
public final class QueryLogLine {
    private QueryLogLine() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final String[] RCODES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

    public static String format(ProviderEvent.DnsQueried e) {
        var q = e.query();
        String where = e.cacheHit() ? "cache" : !e.server().isEmpty() ? e.server()
                : e.decision() instanceof DnsDecision.Block ? "blocked" : "local";
        return TIME.format(LocalTime.now()) + " " + q.client() + " " + q.transport().name().toLowerCase() + " "
                + (q.name().isEmpty() ? "." : q.name()) + " " + q.type() + " → " + (e.rule().isEmpty() ? "-" : e.rule())
                + " " + where + " " + rcode(e.rcode()) + " " + e.answerCount() + (e.answerCount() == 1 ? " answer " : " answers ")
                + String.format("%.2f ms", e.latencyNanos() / 1e6) + by(q.process());
    }

    /** {@code " by /usr/bin/dig[4242]"}, {@code " by uid 1000"} when only the socket's owner is known, or "". */
    public static String by(ProcessInfo p) {
        if (p.executable().isPresent())
            return " by " + p.executable().get() + (p.pid().isPresent() ? "[" + p.pid().getAsInt() + "]" : "");
        if (p.pid().isPresent()) return " by pid " + p.pid().getAsInt();
        if (p.uid().isPresent()) return " by uid " + p.uid().getAsLong();
        return "";
    }

    public static String rcode(int rcode) { return rcode < RCODES.length ? RCODES[rcode] : "RCODE" + rcode; }
}
