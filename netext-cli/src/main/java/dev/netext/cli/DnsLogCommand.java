package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.control.ControlDeniedException;
import dev.netext.daemon.control.DaemonUnavailableException;
import dev.netext.dns.server.QueryLogLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code netext dns log [--follow] [--json]}: the DNS queries in the daemon's event log ({@code DnsQueried} events,
 * read with the control socket's {@code events} op), one line each as {@code --log} prints them:
 * {@code 16:02:11.204 127.0.0.1:40211 udp www.foo.mycompany.com A → foo.mycompany.com→corp udp://10.0.0.53:53 NOERROR 1 answer 0.41 ms}.
 * Without a daemon it says so and how to see queries of a foreground {@code netext up} or {@code netext dns serve}.
 */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = "Print the DNS queries of the daemon's event log; --follow keeps printing them as they happen.")
public final class DnsLogCommand implements Callable<Integer> {
    static final String TYPE = "DnsQueried";

    @Mixin
    ControlOption control;

    @Option(names = {"-f", "--follow"}, description = "Keep printing queries as they happen, until Ctrl-C.")
    boolean follow;

    @Option(names = "--json", description = "Print the events as JSON lines (docs/events.schema.json) instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ControlClient c;
        try {
            c = ControlClient.connect(control.socket);
        } catch (DaemonUnavailableException e) {
            if (e instanceof ControlDeniedException) throw ControlOption.unavailable(e);
            throw new UserError("netext dns log: no netext daemon is running (" + e.getMessage() + ").\n"
                    + "  It shows the DNS queries of profiles the daemon runs (netext daemon; netext up NAME).\n"
                    + "  A foreground 'netext up PROFILE.yaml --log' or 'netext dns serve --log' prints its queries itself.",
                    ControlOption.DAEMON_UNAVAILABLE);
        }
        ObjectNode req = ControlOption.request("events").put("follow", follow).put("after", 0);
        ControlOption.printLines(c, req, follow, line -> {
            if (!line.contains("\"type\":\"" + TYPE + "\"")) return null; // cheap pre-filter; parsed below
            JsonNode e = ControlClient.mapper().readTree(line);
            if (!TYPE.equals(e.path("type").asText())) return null;
            return json ? line : format(e);
        });
        return 0;
    }

    /** The {@code --log} line for one {@code DnsQueried} event in its JSON form. */
    static String format(JsonNode e) {
        String time = e.path("time").asText();
        int t = time.indexOf('T');
        String clock = t < 0 ? time : time.substring(t + 1, Math.min(time.length(), t + 13)); // HH:mm:ss.SSS
        String name = e.path("name").asText();
        String where = e.path("cache_hit").asBoolean(false) ? "cache"
                : e.hasNonNull("server") ? e.path("server").asText()
                : "Block".equals(e.path("decision").path("kind").asText()) ? "blocked" : "local";
        int answers = e.path("answers").asInt();
        return clock + " " + e.path("client").asText() + " " + e.path("transport").asText() + " " + (name.isEmpty() ? "." : name)
                + " " + e.path("qtype").asText() + " → " + e.path("rule").asText("-") + " " + where + " "
                + QueryLogLine.rcode(e.path("rcode").asInt()) + " " + answers + (answers == 1 ? " answer " : " answers ")
                + String.format("%.2f ms", e.path("latency_ns").asLong() / 1e6) + by(e.path("process"))
                + " [" + e.path("provider").asText() + "]";
    }

    /** The querying process as {@link QueryLogLine#by} prints it, from the event's {@code process} object. */
    private static String by(JsonNode p) {
        if (p.hasNonNull("executable"))
            return " by " + p.path("executable").asText() + (p.hasNonNull("pid") ? "[" + p.path("pid").asInt() + "]" : "");
        if (p.hasNonNull("pid")) return " by pid " + p.path("pid").asInt();
        if (p.hasNonNull("uid")) return " by uid " + p.path("uid").asLong();
        return "";
    }
}
