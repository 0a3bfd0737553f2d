package dev.netext.flow.engine;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The flow layer's one pool for what a flow's decision cannot do on its event loop: attribution (small blocking reads
 * of {@code /proc} and a sock_diag request), then in the same task the filter when it does not decide inline or
 * needs the process, and the proxy walk ({@link FlowPipeline}).
 *
 * <p>Platform threads, as many kept warm as there are cores: a {@code /proc} read on a virtual thread pays for the
 * JDK's blocking-I/O compensation (measured here: p50 307 µs per attribution on virtual threads, 104–160 µs on
 * platform threads). Provider calls may block — a supervised provider's call waits for its process, at most the
 * supervisor's call timeout — so the pool never queues a task behind a blocked one: a task that finds no idle thread
 * gets a new one (up to {@link #MAX_THREADS}, which end after {@link #KEEP_ALIVE_SECONDS} idle), and beyond that a
 * virtual thread of its own.
 */
final class DecisionPool implements Executor {
    static final int MAX_THREADS = 64;
    static final long KEEP_ALIVE_SECONDS = 30;

    private final ThreadPoolExecutor threads;

    DecisionPool() {
        int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
        RejectedExecutionHandler overflow = (task, pool) -> {
            if (!pool.isShutdown()) Thread.ofVirtual().name("flow-decision-overflow").start(task);
        };
        threads = new ThreadPoolExecutor(cores, Math.max(cores, MAX_THREADS), KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), DecisionThread::new, overflow);
    }

    @Override
    public void execute(Runnable task) { threads.execute(task); }

    /**
     * Runs {@code task} at once when called on one of the pool's threads (the task that just attributed a flow goes
     * on with its decision: no hop), else as a task of its own.
     */
    void continueWith(Runnable task) {
        if (Thread.currentThread() instanceof DecisionThread) task.run();
        else execute(task);
    }

    void shutdownNow() { threads.shutdownNow(); }

    private static final class DecisionThread extends Thread {
        private static int count; // guarded by the class: thread names only

        DecisionThread(Runnable task) {
            super(task, "flow-decision-" + next());
            setDaemon(true);
        }

        private static synchronized int next() { return count++; }
    }
}
