package dev.netext.daemon.bench;

import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterSettings;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.interception.SupervisedFilter;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What isolation costs a custom filter's decision: {@code handleNewFlow} called directly (as the built-in rules filter
 * is) against the same provider behind {@link SupervisedFilter} (one hand-off to the instance's virtual-thread
 * executor and back, with a timeout).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterCallBench {
    @Param({"direct", "supervised"})
    public String path;

    FilterDataProvider filter;
    Flow flow;

    /** Drops one port: a decision that costs next to nothing, so the figure is the call path's own cost. */
    public static final class PortDrop implements FilterDataProvider {
        @Override public void startFilter(FilterContext context, Map<String, Object> options) {}

        @Override public void stopFilter(StopReason reason) {}

        @Override public FilterVerdict handleNewFlow(Flow f) { return f.remote().port() == 8081 ? FinalVerdict.DROP : FinalVerdict.ALLOW; }
    }

    @Setup
    public void setUp() throws Exception {
        flow = new TcpFlow(1, Direction.OUTBOUND, new Endpoint(InetAddress.getByName("10.0.0.1"), 40000),
                new Endpoint(InetAddress.getByName("10.0.0.2"), 8080), null, Optional.empty(), Optional.empty(), Instant.now());
        if (path.equals("direct")) {
            filter = new PortDrop();
        } else {
            filter = new SupervisedFilter("bench", new ResolvedPlugin<>("PortDrop", "class path", PortDrop.class,
                    FilterCallBench.class.getClassLoader(), PortDrop::new), RestartPolicy.DEFAULT, FinalVerdict.ALLOW,
                    _ -> { }, Duration.ofSeconds(10));
        }
        filter.startFilter(new NoContext(), Map.of());
    }

    @TearDown
    public void tearDown() throws Exception {
        filter.stopFilter(StopReason.USER_INITIATED);
    }

    @Benchmark
    public FilterVerdict decide() {
        return filter.handleNewFlow(flow);
    }

    private static final class NoContext implements FilterContext {
        @Override public FilterControl control() {
            return new FilterControl() {
                @Override public boolean resume(long flowId, FilterVerdict verdict) { return false; }

                @Override public void applySettings(FilterSettings settings) {}
            };
        }

        @Override public String name() { return "bench"; }

        @Override public ProviderKind kind() { return ProviderKind.FILTER_DATA; }

        @Override public void log(String message) {}

        @Override public void publish(String type, Map<String, String> attributes, long flowId) {}

        @Override public int bypassMark() { return 0; }

        @Override public void spawn(String name, ThrowingRunnable loop) {}

        @Override public void onPathChange(Consumer<PathEvent> listener) {}

        @Override public void cancel(Throwable error) {}
    }
}
