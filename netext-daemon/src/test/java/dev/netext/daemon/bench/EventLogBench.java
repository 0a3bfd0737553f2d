package dev.netext.daemon.bench;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.LogEntry;
import dev.netext.daemon.events.Subscription;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What publishing one event costs a producer (a DNS proxy, a packet filter: hot paths), with no reader, with a reader
 * that keeps up, and with a reader that has stalled (its queue full, so every event becomes part of a gap).
 * The stalled case must not be slower than the others: producers never wait for readers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventLogBench {
    @Param({"none", "draining", "stalled"})
    public String reader;

    EventLog log;
    Subscription sub;
    Thread drainer;
    volatile boolean stop;

    @Setup(Level.Trial)
    public void setup() {
        log = new EventLog();
        switch (reader) {
            case "draining" -> {
                sub = log.subscribe(0, _ -> true, EventLog.DEFAULT_SUBSCRIBER_CAPACITY);
                drainer = Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop) {
                            LogEntry e = sub.take(Duration.ofMillis(100));
                            if (e == null) continue;
                        }
                    } catch (InterruptedException ignored) {
                        // done
                    }
                });
            }
            case "stalled" -> sub = log.subscribe(0, _ -> true, 16);
            default -> { }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        if (drainer != null) drainer.join();
        if (sub != null) sub.close();
    }

    @Benchmark
    public ProviderEvent publish() {
        return log.publish((s, t) -> new ProviderEvent.FlowClosed(s, t, "filter", 42, 1000, 2000));
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length == 0 ? new String[] {"dev.netext.daemon.bench"} : args);
    }
}
