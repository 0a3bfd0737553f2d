package dev.netext.cli;

import sun.misc.Signal;
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
}
