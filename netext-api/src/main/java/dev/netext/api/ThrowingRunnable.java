package dev.netext.api;

/** A unit of work that may throw: a loop run with {@link ProviderContext#spawn}. */
@FunctionalInterface
public interface ThrowingRunnable {
    void run() throws Exception;
}
