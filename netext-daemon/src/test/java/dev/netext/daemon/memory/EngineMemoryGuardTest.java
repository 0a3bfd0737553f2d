package dev.netext.daemon.memory;

import dev.netext.api.ProviderEvent.MemoryLimit;
import dev.netext.daemon.profile.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An "engine" whose launch starts a thread (as an event loop or a decider thread is started): that thread is in the
 * guard's group, so what it allocates crosses soft, then hard; a thread started elsewhere is not counted.
 */
class EngineMemoryGuardTest {
    static volatile Object sink;

    @Test
    void threadsTheLaunchStartsAreCountedSoftThenHard() throws Exception {
        assumeTrue(ThreadGroupAllocation.supported(), "per-thread allocation is not counted by this JVM");
        EngineMemoryGuard guard = new EngineMemoryGuard("t-filter", new MemoryBudget(8L << 20, 64L << 20, Duration.ofSeconds(1)));
        CountDownLatch go = new CountDownLatch(1);
        Thread loop = guard.launch(() -> Thread.ofPlatform().daemon().start(() -> {
            try {
                go.await();
                for (int i = 0; i < 400 && !Thread.currentThread().isInterrupted(); i++) {
                    sink = new byte[1 << 20];
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(loop.getThreadGroup().getName()).isEqualTo("netext-provider-t-filter");
        List<MemoryLimit> crossed = new CopyOnWriteArrayList<>();
        CountDownLatch hard = new CountDownLatch(1);
        guard.start((limit, used, bytes) -> {
            crossed.add(limit);
            assertThat(used).isGreaterThanOrEqualTo(bytes);
            if (limit == MemoryLimit.HARD) {
                guard.stop();
                hard.countDown();
            }
        });
        Thread outsider = Thread.ofPlatform().start(() -> { for (int i = 0; i < 100; i++) sink = new byte[1 << 20]; });
        outsider.join();
        go.countDown();
        assertThat(hard.await(20, TimeUnit.SECONDS)).as("crossed: %s", crossed).isTrue();
        loop.interrupt();
        assertThat(crossed).startsWith(MemoryLimit.SOFT).endsWith(MemoryLimit.HARD);
        java.util.Map<String, Long> counters = new java.util.HashMap<>();
        guard.counters(counters);
        assertThat(counters.get("memory_window_peak_bytes")).isGreaterThanOrEqualTo(64L << 20);
        assertThat(counters.get("memory_hard_bytes")).isEqualTo(64L << 20);
    }

    @Test
    void aLaunchThatThrowsThrowsItsOwnException() {
        EngineMemoryGuard guard = new EngineMemoryGuard("t-dns", new MemoryBudget(0, 1 << 20, Duration.ofSeconds(1)));
        assertThatThrownBy(() -> guard.launch(() -> { throw new java.io.IOException("port in use"); }))
                .isInstanceOf(java.io.IOException.class).hasMessage("port in use");
    }
}
