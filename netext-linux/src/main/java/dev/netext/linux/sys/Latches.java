package dev.netext.linux.sys;

import java.util.concurrent.CountDownLatch;

/** Waiting for teardown that must not be cut short: a second {@code close()} returns only once the first has finished. */
public final class Latches {
    private Latches() {}

    /** Waits until {@code latch} is released, through interrupts; an interrupt meanwhile is set again on return. */
    public static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
