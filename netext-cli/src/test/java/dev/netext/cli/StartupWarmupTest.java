package dev.netext.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The warm-up thread starts only for the long-running commands, whose main thread would do its steps next. */
class StartupWarmupTest {
    @Test
    void longRunningCommandsWarmUpWhatTheyUseNext() {
        assertThat(StartupWarmup.steps("dns", "serve", "--listen", "127.0.0.1:5353")).hasSize(3);
        assertThat(StartupWarmup.steps("up", "profile.yaml")).hasSize(3);
        assertThat(StartupWarmup.steps("wg", "up", "wg0.conf")).hasSize(6);
        assertThat(StartupWarmup.steps("daemon")).hasSize(3);
    }

    @Test
    void shortCommandsStartNoThread() {
        assertThat(StartupWarmup.steps()).isEmpty();
        assertThat(StartupWarmup.steps("--version")).isEmpty();
        assertThat(StartupWarmup.steps("status")).isEmpty();
        assertThat(StartupWarmup.steps("dns", "log")).isEmpty();
        assertThat(StartupWarmup.steps("wg", "show")).isEmpty();
        assertThat(StartupWarmup.steps("wg", "genkey")).isEmpty();
    }

    @Test
    void everyStepRunsOnTheJvmItIsGiven() {
        // each step is class initialisation a command needs anyway: none may fail where netext runs
        for (String[] command : new String[][] {{"dns", "serve"}, {"up", "p.yaml"}, {"wg", "up", "wg0.conf"}})
            for (Runnable step : StartupWarmup.steps(command)) step.run();
    }
}
