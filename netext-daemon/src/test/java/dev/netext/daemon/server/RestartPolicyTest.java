package dev.netext.daemon.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RestartPolicyTest {
    @Test
    void delaysDoubleUpToTheCapAndAttemptsAreLimitedOnlyWhenAsked() {
        RestartPolicy p = new RestartPolicy(Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(30), 0);
        assertThat(p.delay(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(p.delay(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.delay(4)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.delay(1000)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.gives(1_000_000)).isTrue();
        RestartPolicy limited = new RestartPolicy(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO, 3);
        assertThat(limited.gives(3)).isTrue();
        assertThat(limited.gives(4)).isFalse();
    }
}
