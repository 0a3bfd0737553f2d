package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DecisionPoolTest {

    /** Providers may block (a supervised provider's call waits up to its timeout): other flows are decided meanwhile. */
    @Test
    void aTaskIsNotQueuedBehindBlockedOnes() throws Exception {
        DecisionPool pool = new DecisionPool();
        CountDownLatch release = new CountDownLatch(1);
        try {
            int blocked = Runtime.getRuntime().availableProcessors() * 2 + 2; // more than the threads kept warm
            CountDownLatch started = new CountDownLatch(blocked);
            for (int i = 0; i < blocked; i++) pool.execute(() -> {
                started.countDown();
                awaitQuietly(release);
            });
            assertThat(started.await(5, TimeUnit.SECONDS)).as("every blocked task got a thread").isTrue();
            CompletableFuture<String> next = new CompletableFuture<>();
            pool.execute(() -> next.complete(Thread.currentThread().getName()));
            assertThat(next.get(2, TimeUnit.SECONDS)).startsWith("flow-decision-");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /** Attribution's task goes on with the decision on its own thread; from elsewhere the decision is a task. */
    @Test
    void continuesOnItsOwnThreadsAndHandsOverFromOthers() throws Exception {
        DecisionPool pool = new DecisionPool();
        try {
            CompletableFuture<Thread[]> threads = new CompletableFuture<>();
            pool.execute(() -> {
                Thread attributing = Thread.currentThread();
                pool.continueWith(() -> threads.complete(new Thread[]{attributing, Thread.currentThread()}));
            });
            Thread[] t = threads.get(5, TimeUnit.SECONDS);
            assertThat(t[1]).isSameAs(t[0]);
            CompletableFuture<Thread> fromHere = new CompletableFuture<>();
            pool.continueWith(() -> fromHere.complete(Thread.currentThread()));
            assertThat(fromHere.get(5, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread())
                    .extracting(Thread::getName).asString().startsWith("flow-decision-");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
