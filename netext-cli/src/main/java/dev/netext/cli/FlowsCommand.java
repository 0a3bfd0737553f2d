package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code netext flows [--follow] [--json]}: the flows the daemon's filters know — open ones and recent closed ones —
 * one line each; {@code --follow} then prints a line per change (opened, verdict, prompt answered or timed out,
 * closed) until Ctrl-C.
 */
@Command(name = "flows", mixinStandardHelpOptions = true,
        description = "List the daemon's current and recent flows (process, host and its source, verdict, proxy, bytes, state); --follow prints changes as they happen.")
public final class FlowsCommand implements Callable<Integer> {
    static final String HEADER = String.format("%-6s %-9s %-22s %-30s %-10s %-22s %-13s %-7s %-7s %s",
            "ID", "STATE", "PROCESS", "HOST (SOURCE)", "VERDICT", "REMOTE", "PROXY", "IN", "OUT", "DIRECTION");

    @Mixin
    ControlOption control;

    @Option(names = {"-f", "--follow"}, description = "Keep printing flow changes until Ctrl-C.")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per flow (as the control API's flows op).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ControlClient c = control.connect();
        if (!json) System.out.println(HEADER);
        ControlOption.printLines(c, ControlOption.request("flows").put("follow", follow), follow, line -> {
            JsonNode flow = ControlClient.mapper().readTree(line).path("flow");
            return json ? flow.toString() : line(flow);
        });
        return 0;
    }

    /** One flow as a table line. */
    static String line(JsonNode f) {
        String host = f.has("hostname") ? f.path("hostname").asText() + " (" + f.path("hostname_source").asText() + ")" : "-";
        String verdict = f.path("verdict").asText("-");
        JsonNode p = f.path("prompt");
        if (!p.isMissingNode() && !p.path("outcome").asText().equals("pending")) verdict += " [" + p.path("outcome").asText() + "]";
        if (f.path("decided_by").has("rule")) verdict += " [rule " + f.path("decided_by").path("rule").asText() + "]"; // a saved id or PROFILE#N
        // an inbound flow's remote is the client; the local service it came to is what people look for
        String direction = f.path("direction").asText("out").equals("in") ? "in to " + f.path("local").asText() : "out";
        return String.format("%-6d %-9s %-22s %-30s %-10s %-22s %-13s %-7s %-7s %s", f.path("id").asLong(), f.path("state").asText(),
                f.path("process").path("label").asText("?"), host, verdict, f.path("remote").asText(),
                f.path("proxy").asText("-"), bytes(f.path("bytes_in").asLong(-1)), bytes(f.path("bytes_out").asLong(-1)),
                direction);
    }

    private static String bytes(long n) { return n < 0 ? "-" : Long.toString(n); }
}
