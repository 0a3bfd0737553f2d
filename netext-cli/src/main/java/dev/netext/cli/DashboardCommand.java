package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code netext dashboard}: prints the running daemon's dashboard URL, token included (root only, as the socket). */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Print the daemon's dashboard URL (loopback, with its access token): live flows, prompts, DNS and tunnels.")
public final class DashboardCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Override
    public Integer call() {
        JsonNode s = control.call(ControlOption.request("status"));
        String url = s.path("daemon").path("dashboard").asText("");
        if (url.isEmpty()) throw new UserError("the daemon runs without a dashboard (started with --dashboard off)", 1);
        System.out.println(url);
        return 0;
    }
}
