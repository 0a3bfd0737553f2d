package dev.netext.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code netext down NAME}: the daemon stops that profile (and suspends its on-demand rules until {@code up}). */
@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop a daemon profile by name; its on-demand rules pause until 'netext up NAME'.")
public final class DownCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Parameters(paramLabel = "NAME", description = "The profile's name (netext status lists them).")
    String name;

    @Override
    public Integer call() {
        control.call(ControlOption.request("down").put("name", name));
        System.out.println("netext: " + name + " stopped");
        return 0;
    }
}
