package dev.netext.daemon.server;

import java.util.List;

/** What applying a profile set changed, by profile name. */
public record ReloadResult(List<String> started, List<String> stopped, List<String> restarted, List<String> unchanged) {
    public ReloadResult {
        started = List.copyOf(started);
        stopped = List.copyOf(stopped);
        restarted = List.copyOf(restarted);
        unchanged = List.copyOf(unchanged);
    }

    @Override
    public String toString() {
        return "started " + names(started) + ", stopped " + names(stopped) + ", restarted " + names(restarted)
                + ", unchanged " + names(unchanged);
    }

    private static String names(List<String> l) { return l.isEmpty() ? "none" : String.join(" ", l); }
}
