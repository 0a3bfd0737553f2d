package dev.netext.linux.splice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.linux.ffm.Libc;
import org.junit.jupiter.api.Test;

class SplicePipeTest {
    private static final int PAGE = 4096;

    @Test
    void isEnlargedToTheSizeAskedOrTheLargestTheKernelGrants() throws Exception {
        try (SplicePipe p = SplicePipe.open(1 << 20)) {
            assertThat(p.size()).isGreaterThanOrEqualTo(1 << 20); // within pipe-max-size (1 MiB by default)
            assertThat(p.held()).isZero();
        }
        try (SplicePipe small = SplicePipe.open(1)) {
            assertThat(small.size()).isEqualTo(16 * PAGE); // never shrunk below the default
        }
        try (SplicePipe huge = SplicePipe.open(1 << 30)) { // root may pass pipe-max-size; memory may refuse
            assertThat(huge.size()).isGreaterThanOrEqualTo(16 * PAGE);
        }
    }

    @Test
    void anEmptySourceIsAgainNotAnEndAndCloseIsIdempotent() throws Exception {
        int[] source = Libc.pipe2(Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try (SplicePipe p = SplicePipe.open(64 * 1024)) {
            assertThat(p.fill(source[0], 4096)).isEqualTo(SplicePipe.AGAIN);
            Libc.close(source[1]); // writer gone: the end of input
            assertThat(p.fill(source[0], 4096)).isZero();
            assertThat(p.drain(source[0])).isZero(); // nothing held: nothing to move
            p.close();
        } finally {
            Libc.close(source[0]);
        }
    }
}
