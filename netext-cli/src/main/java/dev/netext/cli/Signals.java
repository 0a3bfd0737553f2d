package dev.netext.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * SIGINT and SIGTERM as a request to stop, not an abrupt exit: the JVM's default turns them into exit code 130/143
 * after the shutdown hooks, but a foreground service stopped on purpose should tear down and exit 0.
 * {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's supported-in-practice way to do this.
 */
final class Signals {
    private Signals() {}

    /** Runs {@code stop} on a fresh thread at the first SIGINT or SIGTERM; later signals are ignored. */
    static void onTerminate(Runnable stop) {
        onFirstSignal(exitStatus -> stop.run());
    }

    /**
     * Calls {@code first}, on a fresh thread, with the exit status the JVM would give the first SIGINT or SIGTERM (128
     * + its number); later signals are ignored.
     */
    private static void onFirstSignal(IntConsumer first) {
        var once = new AtomicBoolean();
        for (String name : new String[]{"INT", "TERM"}) {
            Signal.handle(new Signal(name), sig -> {
                if (once.compareAndSet(false, true))
                    Thread.ofPlatform().name("netext-stop").start(() -> first.accept(128 + sig.getNumber()));
            });
        }
    }

    /**
     * Takes SIGINT and SIGTERM from now on, before anything is started: a command that prints a line when it is ready
     * may be stopped right after that line (a test, a supervisor), so the signal must already be ours by then. What
     * to do about it is given later ({@link Stop#then}); a signal that comes first waits up to {@link Stop#GRACE_MILLIS}
     * for it, then ends the JVM as its default action would (a start that hangs still stops at Ctrl-C).
     */
    static Stop stopOnSignal() {
        Stop stop = new Stop();
        onFirstSignal(stop::request);
        return stop;
    }

    /** A stop asked for by a signal. */
    static final class Stop {
        /** How long a signal that came before {@link #then} waits for it. */
        static final long GRACE_MILLIS = 2000;
        private boolean asked;   // guarded by this
        private Runnable action; // guarded by this

        /**
         * The signal: runs the action on this thread, once {@link #then} gave it (at most {@link #GRACE_MILLIS}
         * later); without one by then, exits with {@code exitStatus} (the JVM's own 128 + signal, after its hooks).
         */
        void request(int exitStatus) {
            Runnable run;
            synchronized (this) {
                asked = true;
                long deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000;
                try {
                    for (long left; action == null && (left = deadline - System.nanoTime()) > 0; )
                        wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                run = action;
            }
            if (run == null) System.exit(exitStatus);
            else run.run();
        }

        /** What a stop means, from now on; a signal that came already runs it at once. */
        void then(Runnable action) {
            synchronized (this) {
                this.action = action;
                notifyAll();
            }
        }

        /** Whether a stop was asked for. */
        synchronized boolean asked() { return asked; }
    }
}
