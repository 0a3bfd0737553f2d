package dev.netext.daemon.profile;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Seeded mutations of a profile with every kind of on-demand rule: a Profile or a ProfileException, nothing else. */
class OnDemandSectionFuzzTest {
    static final long SEED = 0x6f6e_6465_6d61_6e64L;
    static final int ROUNDS = 2000;

    @Test
    void mutatedOnDemandRulesGiveAProfileOrAProfileException() throws Exception {
        String valid = Files.readString(ProfileLoaderTest.resource("on-demand.yaml"));
        ProfileLoader loader = new ProfileLoader();
        assertThat(loader.parse(valid, Path.of("od.yaml")).onDemand()).hasSize(4);
        Random random = new Random(SEED);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int round = 0; round < ROUNDS; round++) {
                String text = valid;
                for (int m = 1 + random.nextInt(3); m > 0; m--) text = ProfileLoaderFuzzTest.mutate(text, random);
                try {
                    Profile p = loader.parse(text, Path.of("od.yaml"));
                    assertThat(p.describe()).isNotEmpty();
                    outcomes[0]++;
                } catch (ProfileException e) {
                    for (ProfileError err : e.errors()) assertThat(err.reason()).isNotBlank().doesNotContain("internal error");
                    outcomes[1]++;
                } catch (Throwable t) {
                    fail("round " + round + ": " + t + " for input:\n" + text, t);
                }
            }
        });
        assertThat(outcomes[0]).isPositive();
        assertThat(outcomes[1]).isGreaterThan(ROUNDS / 4);
    }
}
