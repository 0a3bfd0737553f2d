package dev.netext.daemon.profile;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static dev.netext.daemon.profile.ProfileLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@code memory:} section: sizes with units, the window, and clear errors naming line and key. */
class MemoryBudgetParserTest {
    private static final String TUNNEL = """
            tunnel:
              provider: echo
              settings:
                addresses: [10.9.0.1/24]
            """;

    @Test
    void sizesAndWindow() throws Exception {
        Profile p = new ProfileLoader().parse(TUNNEL + "memory: { soft: 64MiB, hard: 128000KB, window: 500ms }\n", Path.of("m.yaml"));
        MemoryBudget m = p.memory().orElseThrow();
        assertThat(m.softBytes()).isEqualTo(64L << 20);
        assertThat(m.hardBytes()).isEqualTo(128_000_000L);
        assertThat(m.window()).isEqualTo(Duration.ofMillis(500));
        assertThat(new ProfileLoader().parse(TUNNEL + "memory:\n  hard: 1048576\n", Path.of("m.yaml")).memory().orElseThrow())
                .isEqualTo(new MemoryBudget(0, 1 << 20, MemoryBudget.DEFAULT_WINDOW));
        assertThat(new ProfileLoader().parse(TUNNEL, Path.of("m.yaml")).memory()).isEmpty();
    }

    @Test
    void badBudgetsAreNamedByLineAndKey() {
        assertThat(errors(TUNNEL + "memory: { soft: lots }\n")).anyMatch(e -> e.contains(":5: memory.soft: expected a size like 64MiB"));
        assertThat(errors(TUNNEL + "memory: { soft: 2GiB, hard: 1GiB }\n")).anyMatch(e -> e.contains("memory.soft: the soft limit is above the hard limit"));
        assertThat(errors(TUNNEL + "memory: { window: 10s }\n")).anyMatch(e -> e.contains("memory: a memory budget needs 'soft', 'hard' or both"));
        assertThat(errors(TUNNEL + "memory: { hard: 1MiB, window: 1ms }\n")).anyMatch(e -> e.contains("memory.window: window 1ms is out of range"));
        assertThat(errors(TUNNEL + "memory: { hard: 0 }\n")).anyMatch(e -> e.contains("memory.hard: size 0 is out of range"));
        assertThat(errors(TUNNEL + "memory: { hardd: 1MiB }\n")).anyMatch(e -> e.contains("memory"));
    }
}
