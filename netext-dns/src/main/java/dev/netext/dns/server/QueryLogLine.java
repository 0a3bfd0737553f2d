package dev.netext.dns.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per query for {@code --log} and {@code netext dns log}:
 * {@code 16:02:11.204 127.0.0.1:40211 udp www.foo.mycompany.com A → foo.mycompany.com→corp udp://10.0.0.53:53 NOERROR 1 answer 0.41 ms}.
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
                + String.format("%.2f ms", e.latencyNanos() / 1e6);
    }

    public static String rcode(int rcode) { return rcode < RCODES.length ? RCODES[rcode] : "RCODE" + rcode; }
}
