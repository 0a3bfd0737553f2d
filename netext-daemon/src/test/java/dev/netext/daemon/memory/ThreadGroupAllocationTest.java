package dev.netext.daemon.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real threads that allocate: counted for their group (also after they end), not for another group. */
class ThreadGroupAllocationTest {
    static volatile Object sink;

    @Test
    void countsWhatTheGroupsThreadsAllocateIncludingChildrenAndEndedThreads() throws Exception {
        assumeTrue(ThreadGroupAllocation.supported(), "per-thread allocation is not counted by this JVM");
        ThreadGroup provider = new ThreadGroup("test-provider"), other = new ThreadGroup("test-other");
        ThreadGroupAllocation mine = new ThreadGroupAllocation(provider), theirs = new ThreadGroupAllocation(other);
        assertThat(mine.total()).isZero();

        CountDownLatch allocated = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().group(provider).start(() -> {
            // a thread the provider starts itself: in the group because its creator is
            Thread child = Thread.ofPlatform().start(() -> allocate(32));
            allocate(32);
            try {
                child.join();
                allocated.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.ofPlatform().group(other).start(() -> allocate(8)).join();
        allocated.await();
        long whileRunning = mine.total();
        assertThat(whileRunning).isGreaterThanOrEqualTo(32L << 20); // at least the parent's 32 MiB (the child may have ended unseen)
        release.countDown();
        t.join();
        assertThat(mine.total()).isGreaterThanOrEqualTo(whileRunning); // ended threads keep their count
        assertThat(theirs.total()).isLessThan(32L << 20);
    }

    private static void allocate(int mib) {
        List<byte[]> keep = new ArrayList<>();
        for (int i = 0; i < mib; i++) keep.add(new byte[1 << 20]);
        sink = keep;
    }
}
