package dev.netext.wireguard;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayFilterTest {
    static final long LIMIT = Constants.REJECT_AFTER_MESSAGES;

    @Test
    void acceptsEachCounterOnceInsideTheWindow() {
        ReplayFilter f = new ReplayFilter();
        assertThat(f.validate(0, LIMIT)).isTrue();
        assertThat(f.validate(0, LIMIT)).isFalse();
        assertThat(f.validate(2, LIMIT)).isTrue();
        assertThat(f.validate(1, LIMIT)).isTrue();
        assertThat(f.validate(1, LIMIT)).isFalse();
        long top = ReplayFilter.WINDOW_SIZE + 10;
        assertThat(f.validate(top, LIMIT)).isTrue();
        assertThat(f.validate(top - ReplayFilter.WINDOW_SIZE, LIMIT)).as("oldest counter still in the window").isTrue();
        assertThat(f.validate(top - ReplayFilter.WINDOW_SIZE - 1, LIMIT)).as("just outside").isFalse();
        assertThat(f.validate(3, LIMIT)).isFalse();
    }

    @Test
    void jumpsFarAheadClearTheRing() {
        ReplayFilter f = new ReplayFilter();
        for (int i = 0; i < 200; i++) assertThat(f.validate(i, LIMIT)).isTrue();
        long far = 1_000_000;
        assertThat(f.validate(far, LIMIT)).isTrue();
        for (long c = far - 100; c < far; c++) assertThat(f.validate(c, LIMIT)).as("counter %d", c).isTrue();
        assertThat(f.validate(100, LIMIT)).isFalse();
    }

    @Test
    void refusesCountersAtOrAboveTheLimit() {
        ReplayFilter f = new ReplayFilter();
        assertThat(f.validate(LIMIT, LIMIT)).isFalse();
        assertThat(f.validate(-1L, LIMIT)).as("2^64-1").isFalse();
        assertThat(f.validate(LIMIT - 1, LIMIT)).isTrue();
    }

    @Test
    void matchesABitmapModelOnRandomTraffic() {
        Random random = new Random(6479);
        ReplayFilter f = new ReplayFilter();
        BitSet seen = new BitSet();
        long last = 0;
        for (int i = 0; i < 200_000; i++) {
            long c = Math.max(0, last + random.nextInt(-9000, 300));
            boolean expected = c > last || (last - c <= ReplayFilter.WINDOW_SIZE && !seen.get((int) c));
            if (c > last && c - last > 0) last = c;
            if (expected) seen.set((int) c);
            assertThat(f.validate(c, LIMIT)).as("counter %d at step %d", c, i).isEqualTo(expected);
        }
    }
}
