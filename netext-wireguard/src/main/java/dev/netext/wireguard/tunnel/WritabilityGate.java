package dev.netext.wireguard.tunnel;

import io.netty.channel.Channel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Back-pressure from the UDP socket to the threads that produce datagrams: when the channel's outbound buffer passes
 * its high water mark, producers (the TUN reader) wait until it drains below the low mark, so a fast sender queues in
 * the kernel's TUN queue instead of in unbounded heap. The wait is bounded: a stuck socket drops, it never hangs.
 * The event loop never waits here (it is the one draining).
 */
final class WritabilityGate {
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writable = lock.newCondition();
    private volatile Channel channel;

    void bind(Channel channel) { this.channel = channel; }

    void awaitWritable() {
        Channel ch = channel;
        if (ch == null || ch.isWritable() || ch.eventLoop().inEventLoop()) return;
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        lock.lock();
        try {
            while (!ch.isWritable() && ch.isActive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return;
                writable.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Called by the channel's handler when writability changes. */
    void signal() {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
