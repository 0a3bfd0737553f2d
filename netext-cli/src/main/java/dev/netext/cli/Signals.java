package dev.netext.cli;

import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT and SIGTERM as a request to stop, not an abrupt exit: the JVM's default turns them into exit code 130/143
 * after the shutdown hooks, but a foreground service stopped on purpose should tear down and exit 0.
 * {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's supported-in-practice way to do this.
 */
final class Signals {
    private Signals() {}

    /** Runs {@code stop} on a fresh thread at the first SIGINT or SIGTERM; later signals are ignored. */
    static void onTerminate(Runnable stop) {
        var once = new AtomicBoolean();
        for (String name : new String[]{"INT", "TERM"}) {
            Signal.handle(new Signal(name), sig -> {
                if (once.compareAndSet(false, true)) Thread.ofPlatform().name("netext-stop").start(stop);
            });
        }
    }

    /**
     * Takes SIGINT and SIGTERM from now on, before anything is started: a command that prints a line when it is ready
     * may be stopped right after that line (a test, a supervisor), so the signal must already be ours by then. What
     * to do about it is given later ({@link Stop#then}) or waited for ({@link Stop#await}); a signal that came first is
     * kept until then.
     */
    static Stop stopOnSignal() {
        Stop stop = new Stop();
        onTerminate(stop::request);
        return stop;
    }

    /** A stop asked for by a signal. */
    static final class Stop {
        private final CountDownLatch asked = new CountDownLatch(1);
        private Runnable action; // guarded by this

        void request() {
            Runnable run;
            synchronized (this) {
                asked.countDown();
                run = action;
            }
            if (run != null) run.run();
        }

        /** Runs {@code action} on the signal's thread when a stop is asked for, or now (on a fresh thread) if it was. */
        void then(Runnable action) {
            synchronized (this) {
                this.action = action;
                if (asked.getCount() != 0) return;
            }
            Thread.ofPlatform().name("netext-stop").start(action);
        }

        /** Waits for the signal. */
        void await() throws InterruptedException { asked.await(); }
    }
}
