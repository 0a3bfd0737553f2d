package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code netext reload}: the daemon re-reads its profiles and applies the difference (or refuses, changing nothing). */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Re-read the daemon's profiles and apply only what changed; profiles with errors change nothing.")
public final class ReloadCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Override
    public Integer call() {
        JsonNode r = control.call(ControlOption.request("reload"));
        System.out.println("netext: reloaded: started " + names(r, "started") + "; stopped " + names(r, "stopped")
                + "; restarted " + names(r, "restarted") + "; unchanged " + names(r, "unchanged"));
        return 0;
    }

    private static String names(JsonNode r, String key) {
        List<String> l = new ArrayList<>();
        for (JsonNode n : r.path(key)) l.add(n.asText());
        return l.isEmpty() ? "none" : String.join(" ", l);
    }
}
