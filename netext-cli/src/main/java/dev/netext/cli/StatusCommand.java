package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code netext status [--json]}: the daemon's profiles and their components, from the control socket. Exit codes:
 * 0 all well, {@value #PROFILES_BROKEN} the daemon runs but left profile files out because they have errors,
 * 3 the daemon is not running.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the daemon's profiles, tunnels and restarts.",
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:the daemon runs every profile file",
        "4:the daemon runs, but left out profile files that have errors (listed; fix them, then netext reload)",
        "3:the daemon is not running"})
public final class StatusCommand implements Callable<Integer> {
    /** Exit code while the daemon runs without some profile files because they have errors. */
    static final int PROFILES_BROKEN = 4;

    @Mixin
    ControlOption control;

    @Option(names = "--json", description = "Print the daemon's answer as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonNode s = control.call(ControlOption.request("status"));
        PrintStream out = System.out;
        if (json) {
            out.println(ControlClient.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            return s.path("broken").isEmpty() ? 0 : PROFILES_BROKEN;
        }
        JsonNode d = s.path("daemon");
        out.println("netextd pid " + d.path("pid").asLong() + ", up " + d.path("uptime_s").asLong() + " s"
                + (d.has("metrics") ? ", metrics " + d.path("metrics").asText() : "") + ", last event #" + d.path("last_event").asLong());
        if (d.has("dashboard")) { // status output gets pasted into reports: the token only from netext dashboard
            String url = d.path("dashboard").asText();
            out.println("dashboard " + (url.contains("#") ? url.substring(0, url.indexOf('#')) : url)
                    + " (netext dashboard prints the URL with its token)");
        }
        if (s.path("profiles").isEmpty()) out.println("no profiles" + (d.has("profiles_dir") ? " in " + d.path("profiles_dir").asText() : ""));
        for (JsonNode p : s.path("profiles")) {
            out.println(p.path("name").asText() + ": " + (p.path("active").asBoolean() ? "active" : "inactive")
                    + " (" + p.path("reason").asText() + ")" + " — " + p.path("source").asText());
            for (JsonNode c : p.path("components")) {
                JsonNode n = c.path("counters");
                out.println("  " + c.path("kind").asText() + " " + c.path("provider").asText() + ": " + c.path("status").asText()
                        + (c.path("detail").asText().isEmpty() ? "" : ", " + c.path("detail").asText())
                        + (c.path("restarts").asLong() > 0 ? ", restarted " + c.path("restarts").asLong() + "x" : "")
                        + (n.has("packets_in") ? ", in " + n.path("packets_in").asLong() + " pkts/" + n.path("bytes_in").asLong()
                        + " B, out " + n.path("packets_out").asLong() + " pkts/" + n.path("bytes_out").asLong() + " B" : ""));
                if (n.has("memory_window_bytes")) out.println("    memory: " + mib(n.path("memory_window_bytes").asLong())
                        + " allocated in the window (peak " + mib(n.path("memory_window_peak_bytes").asLong()) + "), soft "
                        + limit(n.path("memory_soft_bytes").asLong()) + ", hard " + limit(n.path("memory_hard_bytes").asLong()));
                if (c.has("last_error")) out.println("    last error: " + c.path("last_error").asText());
            }
        }
        for (JsonNode b : s.path("broken")) {
            out.println(b.path("file").asText() + ": not started, it has errors (fix them, then netext reload):");
            for (JsonNode e : b.path("errors")) out.println("  " + e.asText());
        }
        return s.path("broken").isEmpty() ? 0 : PROFILES_BROKEN;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String limit(long bytes) {
        return bytes == 0 ? "none" : mib(bytes);
    }
}
