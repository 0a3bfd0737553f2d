package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code netext status [--json]}: the daemon's profiles and their components, from the control socket. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the daemon's profiles, tunnels and restarts.")
public final class StatusCommand implements Callable<Integer> {
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
            return 0;
        }
        JsonNode d = s.path("daemon");
        out.println("netextd pid " + d.path("pid").asLong() + ", up " + d.path("uptime_s").asLong() + " s"
                + (d.has("metrics") ? ", metrics " + d.path("metrics").asText() : "") + ", last event #" + d.path("last_event").asLong());
        if (d.has("dashboard")) out.println("dashboard " + d.path("dashboard").asText());
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
        return 0;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String limit(long bytes) {
        return bytes == 0 ? "none" : mib(bytes);
    }
}
