package dev.netext.wireguard;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker threads that seal or open one batch in parallel, the counterpart of wireguard-go's per-device encryption and
 * decryption queues. The thread that owns the batch (the TUN reader, the UDP receive thread) calls {@link #forEach}: the
 * batch is cut into chunks, the workers and the caller itself take chunks until none is left, and the call returns
 * once every chunk is done — so the caller hands the results on in slot order, which keeps each peer's order.
 *
 * <pre>
 *   caller:  publish job (task, count, chunk size) → unpark workers → take chunks → wait for the last chunk
 *   worker:  park until a new job → take chunks → the one finishing the last chunk unparks the caller
 * </pre>
 *
 * A batch below {@link #INLINE_BELOW} packets, or a pool without workers, runs on the caller alone: a ping or any
 * light load pays no hand-off. Nothing is allocated per batch. One caller thread per instance.
 */
public final class CryptoWorkers implements AutoCloseable {
    /** The slots of a batch to seal or open: runs over {@code [from, to)}, on any of the threads. */
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Batches smaller than this run on the caller alone (a worker's wake-up costs more than sealing a few). */
    static final int INLINE_BELOW = 16;
    /**
     * The smallest chunk handed to a thread. Chunks are small (four per thread and batch) so that the caller, which
     * takes whatever no worker has claimed yet, is seldom left waiting for a worker the scheduler has not run.
     */
    static final int MIN_CHUNK = 4;
    /** Rounds a parked thread spins before it parks: short, since the machine's cores are shared. */
    private static final int SPINS = 50;

    private static final CryptoWorkers INLINE = new CryptoWorkers("inline", 0);

    private final Thread[] workers;
    /**
     * Job number (high 32 bits), the job's number of chunks (bits 16-31) and the next chunk to take (low 16 bits),
     * moved together by compare-and-set: a thread claims a chunk only of the job it read, against that job's own
     * chunk count (a count read from a plain field could already be the next job's, while the state still showed
     * this one's last chunk taken: that chunk was then run twice and the next job's count left one short).
     */
    private final AtomicLong state = new AtomicLong();
    private static final int MAX_CHUNKS = 0xFFFF;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private RangeTask task;
    private int count;
    private int chunkSize;

    private CryptoWorkers(String name, int threads) {
        this.workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = Thread.ofPlatform().daemon().name(name + "-" + i).unstarted(this::routineWork);
            workers[i].start();
        }
    }

    /** A pool of {@code threads} workers besides the caller; 0 gives the shared inline instance (no threads). */
    public static CryptoWorkers create(String name, int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads " + threads + " < 0");
        return threads == 0 ? INLINE : new CryptoWorkers(name, threads);
    }

    /**
     * The default number of workers per direction: {@code -Dnetext.wireguard.workers=N} if given; none below four
     * cores, else one less than the cores, at most 7. With two cores the owner waits for a worker the scheduler has
     * preempted whenever anything else runs (measured: bench/wireguard.sh on the shared 2-core machine, see
     * PERFORMANCE.md), so there the pool stays off unless asked for.
     */
    public static int defaultThreads() {
        String p = System.getProperty("netext.wireguard.workers");
        if (p != null) return Math.max(0, Integer.parseInt(p.trim()));
        int cores = Runtime.getRuntime().availableProcessors();
        return cores < 4 ? 0 : Math.min(cores - 1, 7);
    }

    public int threads() { return workers.length; }

    /** Runs {@code task} over {@code [0, count)}, in parallel when it is worth it; returns when all is done. */
    public void forEach(int count, RangeTask task) {
        if (count <= 0) return;
        if (workers.length == 0 || count < INLINE_BELOW) {
            task.run(0, count);
            return;
        }
        int size = Math.max(Math.max(MIN_CHUNK, count / (4 * (workers.length + 1))), (count + MAX_CHUNKS - 1) / MAX_CHUNKS);
        int chunks = (count + size - 1) / size;
        this.task = task;
        this.count = count;
        this.chunkSize = size;
        this.caller = Thread.currentThread();
        remaining.set(chunks);
        int gen = generation + 1;
        state.set((long) gen << 32 | (long) chunks << 16); // publishes the fields above to whoever reads this job
        generation = gen;
        for (Thread w : workers) LockSupport.unpark(w);
        runChunks(gen);
        for (int spin = 0; remaining.get() > 0; spin++) {
            if (spin < SPINS) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
        this.task = null;
    }

    /** Takes and runs chunks of job {@code gen} until none is left (or a newer job replaced it). */
    private void runChunks(int gen) {
        while (true) {
            long s = state.get();
            int c = (int) (s & MAX_CHUNKS), chunks = (int) (s >>> 16) & MAX_CHUNKS;
            if ((int) (s >>> 32) != gen || c >= chunks) return;
            if (!state.compareAndSet(s, s + 1)) continue;
            // the job cannot end before this chunk does, so the fields read below are still this job's
            int from = c * chunkSize;
            try {
                task.run(from, Math.min(count, from + chunkSize));
            } finally {
                if (remaining.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    private void routineWork() {
        int seen = 0;
        int idle = 0;
        while (!closed) {
            int gen = generation;
            if (gen == seen) {
                if (++idle < SPINS) Thread.onSpinWait();
                else LockSupport.park(this);
                continue;
            }
            idle = 0;
            seen = gen;
            try {
                runChunks(gen);
            } catch (RuntimeException e) {
                // the task counts its own failures; a worker must outlive a bad packet
            }
        }
    }

    @Override
    public void close() {
        if (this == INLINE) return;
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
