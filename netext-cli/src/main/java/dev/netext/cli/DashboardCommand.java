package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code netext dashboard}: prints the running daemon's dashboard URL, token included. Root only: the token answers
 * prompts, so the control group's members get the address without it from {@code netext status}.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Print the daemon's dashboard URL (loopback, with its access token): live flows, prompts, DNS and tunnels.")
public final class DashboardCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Override
    public Integer call() {
        JsonNode s = control.call(ControlOption.request("dashboard")); // an error reply when there is no dashboard
        System.out.println(s.path("url").asText());
        return 0;
    }
}
