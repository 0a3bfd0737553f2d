package dev.netext.wireguard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Several batches in flight between one owner thread (the TUN reader, the UDP receive thread) and worker threads, the
 * pipelined form of wireguard-go's per-device crypto queues with its per-peer sequential sender/receiver:
 *
 * <pre>
 *   owner:     {@link #acquire} a free batch → fill it (step 1, in order) → {@link #submit} → read the next one
 *   workers:   take chunks of the oldest batch that has any left (step 2, any order, any thread)
 *   whoever finishes a batch's last chunk: deliver every finished batch at the head, in submission order (step 3)
 * </pre>
 *
 * The owner does not wait for a batch to be done: it waits only when all {@code depth} batches are in flight, and then
 * it takes chunks of the oldest itself, so a preempted worker delays one chunk, not the owner's next read. Delivery is
 * one thread at a time (a try-lock, never a wait) and strictly in submission order, so each peer's order holds. The
 * batches are preallocated and reused in a ring: nothing is allocated per batch. Without workers the owner runs each
 * batch and delivers it before {@link #submit} returns (the one-batch-deep behaviour).
 */
public final class CryptoPipeline<B extends CryptoPipeline.Batch> implements AutoCloseable {
    /** One batch's slots, reused: {@link #run} is step 2 over a range of slots, {@link #deliver} step 3. */
    public abstract static class Batch {
        /**
         * Sequence number (high 32 bits), chunk count (bits 16-31) and next chunk (low 16 bits), moved together by
         * compare-and-set, so a thread that read an older use of this batch cannot claim a chunk of the newer one.
         */
        final AtomicLong state = new AtomicLong(-1L << 32);
        final AtomicInteger remaining = new AtomicInteger();
        int count;
        int chunkSize;

        /** The number of slots to run (set before {@link #submit}). */
        protected abstract int count();

        /** Step 2 over slots {@code [from, to)}; any thread, concurrently with other ranges of this batch. */
        protected abstract void run(int from, int to);

        /** Step 3: hands the results on, then clears the batch for reuse; one thread at a time, in order. */
        protected abstract void deliver();
    }

    private static final Logger LOG = LoggerFactory.getLogger(CryptoPipeline.class);
    /** Batches smaller than this run on the owner alone (a worker's wake-up costs more than sealing a few). */
    static final int INLINE_BELOW = 16;
    /**
     * The smallest chunk handed to a thread. Chunks are small (four per thread and batch) so that a thread that takes
     * whatever no worker has claimed yet is seldom left waiting for a worker the scheduler has not run.
     */
    static final int MIN_CHUNK = 4;
    private static final int MAX_CHUNKS = 0xFFFF;
    /** Rounds a waiting thread spins before it parks: short, since the machine's cores are shared. */
    private static final int SPINS = 50;

    private final B[] ring;
    private final Thread[] workers;
    /** Next sequence number to submit (written by the owner) and to deliver (written under {@link #delivering}). */
    private volatile long tail, head;
    private final AtomicBoolean delivering = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;
    private volatile Thread owner;

    /** {@code ring}: the batches to reuse (its length is the depth); {@code threads} workers besides the owner. */
    public CryptoPipeline(String name, B[] ring, int threads) {
        if (ring.length < 1) throw new IllegalArgumentException("no batches");
        this.ring = ring;
        this.workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = Thread.ofPlatform().daemon().name(name + "-" + i).unstarted(this::routineWork);
            workers[i].start();
        }
    }

    /**
     * The default number of workers per direction: {@code -Dnetext.wireguard.workers=N} if given; none below four
     * cores, else one less than the cores, at most 7. With two cores every core already runs a tunnel thread (and the
     * traffic's own processes), so there the owner does the crypto itself unless asked otherwise (PERFORMANCE.md).
     */
    public static int defaultThreads() {
        String p = System.getProperty("netext.wireguard.workers");
        if (p != null) return Math.max(0, Integer.parseInt(p.trim()));
        int cores = Runtime.getRuntime().availableProcessors();
        return cores < 4 ? 0 : Math.min(cores - 1, 7);
    }

    /**
     * Batches in flight per direction: {@code -Dnetext.wireguard.depth=N} (1 is the one-batch-deep fork-join of
     * before), else 4 with workers and 1 without (the owner runs each batch itself then: more depth buys nothing).
     */
    public static int defaultDepth(int threads) {
        String p = System.getProperty("netext.wireguard.depth");
        if (p != null) return Math.max(1, Integer.parseInt(p.trim()));
        return threads == 0 ? 1 : 4;
    }

    public int threads() { return workers.length; }

    public int depth() { return ring.length; }

    /** Exceptions thrown by {@link Batch#run} or {@link Batch#deliver} (the batch's other slots still go on). */
    public long failures() { return failures.get(); }

    /** The owner's next batch to fill: free once delivered; waits (running chunks itself) while all are in flight. */
    public B acquire() {
        owner = Thread.currentThread();
        for (int spin = 0; tail - head >= ring.length; spin++) {
            B oldest = ring[(int) (head % ring.length)];
            runChunks(oldest, head);
            deliverReady();
            if (tail - head < ring.length) break;
            if (spin < SPINS) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
        return ring[(int) (tail % ring.length)];
    }

    /** Puts the batch from {@link #acquire} in flight; runs it here when no worker would help. */
    public void submit(B batch) {
        long seq = tail;
        int count = Math.max(0, batch.count());
        int size = workers.length == 0 ? Math.max(1, count) : Math.max(MIN_CHUNK, count / (4 * (workers.length + 1)));
        size = Math.max(size, (count + MAX_CHUNKS - 1) / MAX_CHUNKS);
        int chunks = count == 0 ? 0 : (count + size - 1) / size;
        batch.count = count;
        batch.chunkSize = size;
        batch.remaining.set(chunks);
        batch.state.set(seq << 32 | (long) chunks << 16);    // publishes the fields above with this use's number
        tail = seq + 1;
        if (workers.length == 0 || count < INLINE_BELOW) runChunks(batch, seq);
        else for (Thread w : workers) LockSupport.unpark(w);
        deliverReady();
    }

    /** Waits until every submitted batch is delivered (before something that must follow them, e.g. a handshake). */
    public void drain() {
        awaitDelivered(tail);
    }

    /** How many batches were submitted so far: a mark for {@link #awaitDelivered}. */
    public long submitted() { return tail; }

    /** Waits (running chunks itself) until the first {@code submitted} batches are delivered. */
    public void awaitDelivered(long submitted) {
        owner = Thread.currentThread();
        for (int spin = 0; head < submitted; spin++) {
            runChunks(ring[(int) (head % ring.length)], head);
            deliverReady();
            if (head >= submitted) break;
            if (spin < SPINS) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
    }

    /** Takes and runs chunks of {@code batch}'s use number {@code seq} until none is left. */
    private void runChunks(B batch, long seq) {
        while (true) {
            long s = batch.state.get();
            int c = (int) (s & MAX_CHUNKS), chunks = (int) (s >>> 16) & MAX_CHUNKS;
            if ((s >>> 32) != (seq & 0xFFFF_FFFFL) || c >= chunks) return;
            if (!batch.state.compareAndSet(s, s + 1)) continue;
            // the batch cannot be delivered (and reused) before this chunk is done: its fields are still this use's
            int from = c * batch.chunkSize;
            try {
                batch.run(from, Math.min(batch.count, from + batch.chunkSize));
            } catch (RuntimeException e) {
                failed(e);
            } finally {
                if (batch.remaining.decrementAndGet() == 0) deliverReady();
            }
        }
    }

    /** Delivers the finished batches at the head, in order, unless another thread is doing it right now. */
    private void deliverReady() {
        while (head < tail && ring[(int) (head % ring.length)].remaining.get() == 0) {
            if (!delivering.compareAndSet(false, true)) return;          // that thread re-checks after it lets go
            try {
                long h = head;
                while (h < tail) {
                    B b = ring[(int) (h % ring.length)];
                    if (b.remaining.get() != 0) break;
                    try {
                        b.deliver();
                    } catch (RuntimeException e) {
                        failed(e);
                    }
                    head = ++h;
                }
            } finally {
                delivering.set(false);
            }
            Thread o = owner;
            if (o != null && o != Thread.currentThread()) LockSupport.unpark(o);
        }
    }

    /** Counted; logged the first time and every 10,000th (a bad packet must not flood the log). */
    private void failed(RuntimeException e) {
        long n = failures.incrementAndGet();
        if (n == 1 || n % 10_000 == 0) LOG.warn("batch step failed ({} so far): {}", n, e.toString(), e);
    }

    private void routineWork() {
        int idle = 0;
        while (!closed) {
            long h = head, t = tail;
            boolean ran = false;
            for (long seq = h; seq < t; seq++) {
                B b = ring[(int) (seq % ring.length)];
                long s = b.state.get();
                if ((s >>> 32) == (seq & 0xFFFF_FFFFL) && (int) (s & MAX_CHUNKS) < ((int) (s >>> 16) & MAX_CHUNKS)) {
                    runChunks(b, seq);
                    ran = true;
                    break;
                }
            }
            if (ran) { idle = 0; continue; }
            deliverReady();
            if (++idle < SPINS) Thread.onSpinWait();
            else LockSupport.park(this);                              // submit unparks; a permit left early is kept
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
