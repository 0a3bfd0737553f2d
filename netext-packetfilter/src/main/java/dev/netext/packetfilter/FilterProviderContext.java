package dev.netext.packetfilter;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderContext;
import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.path.PathEvent;
import dev.netext.linux.nfqueue.QueueMarks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** The {@link ProviderContext} a packet filter provider gets. */
public final class FilterProviderContext implements ProviderContext {
    private final String name;
    private final EventSink events;
    private final LongSupplier sequence;
    private final Consumer<Throwable> onFailure;
    private final Logger log;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public FilterProviderContext(String name, EventSink events, LongSupplier sequence, Consumer<Throwable> onFailure) {
        this.name = name;
        this.events = events;
        this.sequence = sequence;
        this.onFailure = onFailure;
        this.log = LoggerFactory.getLogger("netext.provider." + name);
    }

    @Override public String name() { return name; }

    @Override public ProviderKind kind() { return ProviderKind.FILTER_PACKET; }

    @Override public void log(String message) { log.info(message); }

    @Override
    public void publish(String type, Map<String, String> attributes, long flowId) {
        events.accept(new ProviderEvent.ProviderMessage(sequence.getAsLong(), System.nanoTime(), name, flowId, type, attributes));
    }

    /** Packets with this mark skip the queue: the steering chains return early for it. */
    @Override public int bypassMark() { return QueueMarks.BYPASS_MARK; }

    @Override
    public void spawn(String threadName, ThrowingRunnable loop) {
        Thread t = Thread.ofPlatform().name(name + "/" + threadName).daemon().unstarted(() -> {
            try {
                loop.run();
            } catch (InterruptedException e) {
                // stopping
            } catch (Throwable e) {
                onFailure.accept(e);
            }
        });
        threads.add(t);
        t.start();
    }

    /** Path changes are not delivered to packet filters yet. */
    @Override public void onPathChange(Consumer<PathEvent> listener) { }

    @Override public void cancel(Throwable error) { onFailure.accept(error == null ? new IllegalStateException("cancelled") : error); }

    public void stopThreads() throws InterruptedException {
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) t.join(2000);
    }
}
