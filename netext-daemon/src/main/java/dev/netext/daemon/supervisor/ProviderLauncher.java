package dev.netext.daemon.supervisor;

import dev.netext.api.ProviderEvent.MemoryBudgetExceeded;
import dev.netext.api.tunnel.StopReason;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A component's own part of a supervised provider ({@link ProviderSupervisor}): how one instance starts and stops. */
public interface ProviderLauncher<I> {
    /** Creates and starts an instance, on the worker. A throw is a crash; so is a failure through {@code run}. */
    I launch(ProviderRun<I> run) throws Exception;

    /**
     * Stops a launched run's instance (on the worker; {@code run.instance()} is set); what the run's executor
     * still runs is interrupted after it.
     */
    void stop(ProviderRun<I> run, StopReason reason);

    /** The threads of a run's calls; by default platform threads of the group, with the launcher's loader. */
    default ExecutorService executor(ThreadGroup group, String threadName) {
        ClassLoader loader = loader();
        var base = Thread.ofPlatform().group(group).daemon(true).name("netext-" + threadName + "-", 0).factory();
        return Executors.newCachedThreadPool(r -> {
            Thread t = base.newThread(r);
            if (loader != null) t.setContextClassLoader(loader);
            return t;
        });
    }

    /** The context class loader of the provider's threads (a plugin's); null: the creator's. */
    default ClassLoader loader() { return null; }

    /** The soft memory limit was crossed: warn the instance beyond its run's own listeners. */
    default void memoryPressure(I instance, MemoryBudgetExceeded event) {}
}
