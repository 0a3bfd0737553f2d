package dev.netext.daemon.memory;

import dev.netext.api.ProviderEvent.MemoryLimit;
import dev.netext.daemon.profile.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The sliding window over cumulative samples: soft once until re-armed, hard every time, old samples forgotten. */
class MemoryWatchTest {
    private static final long S = 1_000_000_000L, MIB = 1 << 20;

    @Test
    void softOnceThenHardAndTheWindowSlides() {
        MemoryWatch w = new MemoryWatch(new MemoryBudget(10 * MIB, 20 * MIB, Duration.ofSeconds(2)));
        assertThat(w.sample(0, 0)).isNull();
        assertThat(w.sample(S, 5 * MIB)).isNull();
        assertThat(w.sample(2 * S, 11 * MIB)).isEqualTo(MemoryLimit.SOFT);  // 11 MiB in 2 s
        assertThat(w.sample(3 * S, 16 * MIB)).isNull();                    // 11 MiB in the last 2 s: still over, said once
        assertThat(w.windowBytes()).isEqualTo(11 * MIB);
        assertThat(w.sample(5 * S, 17 * MIB)).isNull();                    // 1 MiB in the last 2 s: below, re-armed
        assertThat(w.windowBytes()).isEqualTo(MIB);
        assertThat(w.sample(6 * S, 30 * MIB)).isEqualTo(MemoryLimit.SOFT);
        assertThat(w.sample(7 * S, 50 * MIB)).isEqualTo(MemoryLimit.HARD); // 33 MiB since the sample at 5 s
        assertThat(w.sample(7 * S + 1, 50 * MIB)).isEqualTo(MemoryLimit.HARD);
        assertThat(w.peakWindowBytes()).isEqualTo(33 * MIB);
    }

    @Test
    void aHardOnlyBudgetNeverWarns() {
        MemoryWatch w = new MemoryWatch(new MemoryBudget(0, 4 * MIB, Duration.ofSeconds(1)));
        assertThat(w.sample(0, 0)).isNull();
        assertThat(w.sample(S / 2, 3 * MIB)).isNull();
        assertThat(w.sample(S, 5 * MIB)).isEqualTo(MemoryLimit.HARD);
    }
}
