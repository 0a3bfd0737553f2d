package dev.netext.daemon.interception;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderKind;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterSettings;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.FlowPath;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.PluginJars;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.plugin.ResolvedPlugin;
import dev.netext.daemon.server.RestartPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A custom filter compiled into a plugin jar at test time, resolved by the daemon's {@link ProviderResolver} and run
 * by {@link SupervisedFilter}: its verdicts, its class loader, and crash isolation — a throw, a hang, a failing start
 * and a dying loop are each reported, answered with the failure verdict and restarted with growing delays.
 */
class SupervisedFilterTest {
    /** Drops flows to {@code drop-port}; throws on {@code crash-port}; hangs on {@code hang-port}; loop dies on demand. */
    static final String PORT_FILTER = """
            package test;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.util.Map;
            public class PortFilter implements FilterDataProvider {
                private int drop, crash, hang, loopDies;
                @Override public void startFilter(FilterContext context, Map<String, Object> options) throws Exception {
                    if (Boolean.TRUE.equals(options.get("fail-start"))) throw new java.io.IOException("cannot start on purpose");
                    drop = ((Number) options.get("drop-port")).intValue();
                    crash = ((Number) options.getOrDefault("crash-port", 0)).intValue();
                    hang = ((Number) options.getOrDefault("hang-port", 0)).intValue();
                    loopDies = ((Number) options.getOrDefault("loop-dies-after-ms", 0)).intValue();
                    if (loopDies > 0) context.spawn("ticker", () -> { Thread.sleep(loopDies); throw new IllegalStateException("ticker died"); });
                }
                @Override public void stopFilter(StopReason reason) {}
                @Override public FilterVerdict handleNewFlow(Flow flow) {
                    if (Thread.currentThread().getContextClassLoader() != getClass().getClassLoader())
                        throw new IllegalStateException("not on the plugin's loader");
                    int port = flow.remote().port();
                    if (port == crash) throw new IllegalArgumentException("crash on purpose for port " + port);
                    if (port == hang) { try { Thread.sleep(60_000); } catch (InterruptedException e) { return FinalVerdict.ALLOW; } }
                    return port == drop ? FinalVerdict.DROP : FinalVerdict.ALLOW;
                }
            }
            """;

    @TempDir
    Path dir;
    private ProviderResolver resolver;
    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private SupervisedFilter filter;

    @BeforeEach
    void jar() throws Exception {
        PluginJars.jar(dir.resolve("plugins/port-filter.jar"), Map.of("test.PortFilter", PORT_FILTER), List.of("test.PortFilter"),
                FilterDataProvider.class);
        resolver = new ProviderResolver(Map.of(), List.of(), SupervisedFilterTest.class.getClassLoader());
    }

    @AfterEach
    void stop() {
        if (filter != null) filter.stopFilter(StopReason.USER_INITIATED);
        resolver.close();
    }

    private SupervisedFilter start(String ref, Map<String, Object> options, RestartPolicy policy, FinalVerdict onFailure,
                                   Duration callTimeout) throws Exception {
        ResolvedPlugin<FilterDataProvider> p = resolver.resolve(FilterDataProvider.class, ref, dir.resolve("profile.yaml"), Set.of("rules"));
        filter = new SupervisedFilter("web", p, policy, onFailure, events::add, callTimeout);
        filter.startFilter(new HostContext(), options);
        return filter;
    }

    private static final RestartPolicy QUICK = new RestartPolicy(Duration.ofMillis(100), Duration.ofMillis(800), Duration.ofMinutes(1), 0);

    private static TcpFlow flow(long id, int port) throws Exception {
        return new TcpFlow(id, Direction.OUTBOUND, new Endpoint(InetAddress.getByName("10.0.0.1"), 40000 + (int) id),
                new Endpoint(InetAddress.getByName("10.0.0.2"), port), null, Optional.empty(), Optional.empty(), Instant.now());
    }

    /** Asks for the fast path on port 443 (and knows it without the process), throws on port 666, on its own loader. */
    static final String PATH_FILTER = """
            package test;
            import dev.netext.api.filter.*;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.tunnel.StopReason;
            import java.util.Map;
            import java.util.Optional;
            public class PathFilter implements FilterDataProvider {
                @Override public void startFilter(FilterContext context, Map<String, Object> options) {}
                @Override public void stopFilter(StopReason reason) {}
                @Override public FilterVerdict handleNewFlow(Flow flow) { return FinalVerdict.ALLOW; }
                @Override public boolean needsProcess() { return false; }
                @Override public FlowPath pathFor(Flow opening) {
                    if (Thread.currentThread().getContextClassLoader() != getClass().getClassLoader())
                        throw new IllegalStateException("not on the plugin's loader");
                    if (opening.remote().port() == 666) throw new IllegalArgumentException("no path on purpose");
                    return opening.remote().port() == 443 ? FlowPath.VERDICT : FlowPath.TERMINATED;
                }
                @Override public Optional<FlowPath> pathWithoutProcess(Flow opening) { return Optional.of(pathFor(opening)); }
            }
            """;

    @Test
    void thePathAndTheNeedForTheProcessAreTheServingInstancesAndTheTerminatedPathWithoutOne() throws Exception {
        PluginJars.jar(dir.resolve("plugins/path-filter.jar"), Map.of("test.PathFilter", PATH_FILTER), List.of("test.PathFilter"),
                FilterDataProvider.class);
        SupervisedFilter f = start("test.PathFilter", Map.of(), QUICK, FinalVerdict.ALLOW, Duration.ofSeconds(5));
        assertThat(f.needsProcess()).isFalse();
        assertThat(f.pathFor(flow(1, 443))).isEqualTo(FlowPath.VERDICT);
        assertThat(f.pathWithoutProcess(flow(2, 443))).contains(FlowPath.VERDICT);
        assertThat(f.pathFor(flow(3, 80))).isEqualTo(FlowPath.TERMINATED);
        assertThat(f.pathFor(flow(4, 666))).isEqualTo(FlowPath.TERMINATED); // it threw: the path every filter can use
        assertThat(f.pathWithoutProcess(flow(5, 666))).isEmpty();
        assertThat(f.serving()).isTrue(); // a throw here is not a crash
        assertThat(events).isEmpty();

        f.stopFilter(StopReason.USER_INITIATED); // no instance serves: the defaults
        filter = null;
        assertAsksForTheProcessAndTheTerminatedPath(f);
    }

    @Test
    void aPluginWithTheDefaultsTakesTheTerminatedPathWithItsProcess() throws Exception {
        assertAsksForTheProcessAndTheTerminatedPath(
                start("test.PortFilter", Map.of("drop-port", 8081), QUICK, FinalVerdict.ALLOW, Duration.ofSeconds(5)));
    }

    /** The API's defaults: the process waited for, the terminated path, no path known before attribution. */
    private static void assertAsksForTheProcessAndTheTerminatedPath(SupervisedFilter f) throws Exception {
        assertThat(f.needsProcess()).isTrue();
        assertThat(f.pathFor(flow(1, 443))).isEqualTo(FlowPath.TERMINATED);
        assertThat(f.pathWithoutProcess(flow(2, 443))).isEmpty();
    }

    @Test
    void thePluginsClassDecidesOnItsOwnLoaderFoundByClassOrServiceName() throws Exception {
        SupervisedFilter f = start("PortFilter", Map.of("drop-port", 8081), QUICK, FinalVerdict.ALLOW, Duration.ofSeconds(5));
        assertThat(f.handleNewFlow(flow(1, 8081))).isEqualTo(FinalVerdict.DROP);
        assertThat(f.handleNewFlow(flow(2, 8080))).isEqualTo(FinalVerdict.ALLOW);
        assertThat(f.serving()).isTrue();
        assertThat(events).isEmpty();
        assertThat(resolver.resolve(FilterDataProvider.class, "test.PortFilter", dir.resolve("profile.yaml"), Set.of()).classLoader())
                .isNotSameAs(SupervisedFilterTest.class.getClassLoader());
    }

    @Test
    void aThrowingProviderGetsTheFailureVerdictIsReportedAndRestartedWithBackoff() throws Exception {
        SupervisedFilter f = start("test.PortFilter", Map.of("drop-port", 8081, "crash-port", 9999), QUICK, FinalVerdict.ALLOW,
                Duration.ofSeconds(5));
        assertThat(f.handleNewFlow(flow(1, 9999))).isEqualTo(FinalVerdict.ALLOW); // on-failure
        ProviderEvent.ProviderFailed failed = (ProviderEvent.ProviderFailed) await(e -> e instanceof ProviderEvent.ProviderFailed);
        assertThat(failed.provider()).isEqualTo("web");
        assertThat(failed.willRestart()).isTrue();
        assertThat(failed.errorType()).isEqualTo("IllegalArgumentException");
        assertThat(failed.message()).contains("handleNewFlow threw").contains("crash on purpose for port 9999");
        ProviderEvent.ProviderRestarted r1 = (ProviderEvent.ProviderRestarted) await(e -> e instanceof ProviderEvent.ProviderRestarted);
        assertThat(r1.attempt()).isEqualTo(1);
        assertThat(f.handleNewFlow(flow(2, 8081))).isEqualTo(FinalVerdict.DROP); // the fresh instance has the settings
        assertThat(f.restarts()).isEqualTo(1);

        // a second crash before the run was stable: attempt 2, twice the delay
        f.handleNewFlow(flow(3, 9999));
        ProviderEvent.ProviderRestarted r2 = (ProviderEvent.ProviderRestarted) await(e -> e instanceof ProviderEvent.ProviderRestarted r && r.attempt() == 2);
        ProviderEvent failed2 = events.stream().filter(e -> e instanceof ProviderEvent.ProviderFailed).toList().get(1);
        assertThat(Duration.ofNanos(r2.monotonicNanos() - failed2.monotonicNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(f.handleNewFlow(flow(4, 8081))).isEqualTo(FinalVerdict.DROP);
        assertThat(f.lastError()).contains("crash on purpose");
    }

    @Test
    void aHungCallIsACrashAndTheFlowIsNotHeldLongerThanTheCallTimeout() throws Exception {
        // a restart delay far longer than the checks below take: they see the provider down
        RestartPolicy slow = new RestartPolicy(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMinutes(1), 0);
        SupervisedFilter f = start("test.PortFilter", Map.of("drop-port", 8081, "hang-port", 7777), slow, FinalVerdict.DROP,
                Duration.ofMillis(300));
        long t0 = System.nanoTime();
        assertThat(f.handleNewFlow(flow(1, 7777))).isEqualTo(FinalVerdict.DROP); // on-failure: drop
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        ProviderEvent.ProviderFailed failed = (ProviderEvent.ProviderFailed) await(e -> e instanceof ProviderEvent.ProviderFailed);
        assertThat(failed.message()).contains("handleNewFlow did not return within 300 ms");
        assertThat(failed.errorType()).isEqualTo("TimeoutException");
        assertThat(f.serving()).isFalse();
        assertThat(f.handleNewFlow(flow(2, 8080))).as("down until the restart: failure verdict").isEqualTo(FinalVerdict.DROP);
        await(e -> e instanceof ProviderEvent.ProviderRestarted);
        assertThat(f.handleNewFlow(flow(3, 8080))).isEqualTo(FinalVerdict.ALLOW);
    }

    @Test
    void aDyingLoopIsACrashToo() throws Exception {
        SupervisedFilter f = start("test.PortFilter", Map.of("drop-port", 8081, "loop-dies-after-ms", 50), QUICK,
                FinalVerdict.ALLOW, Duration.ofSeconds(5));
        ProviderEvent.ProviderFailed failed = (ProviderEvent.ProviderFailed) await(e -> e instanceof ProviderEvent.ProviderFailed);
        assertThat(failed.message()).contains("thread ticker threw").contains("ticker died");
        await(e -> e instanceof ProviderEvent.ProviderRestarted);
        assertThat(f.handleNewFlow(flow(1, 8081))).isEqualTo(FinalVerdict.DROP);
    }

    @Test
    void aStartThatAlwaysFailsIsRetriedUpToTheLimitThenStaysDown() throws Exception {
        RestartPolicy twice = new RestartPolicy(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMinutes(1), 2);
        SupervisedFilter f = start("test.PortFilter", Map.of("fail-start", true), twice, FinalVerdict.DROP, Duration.ofSeconds(5));
        await(e -> e instanceof ProviderEvent.ProviderFailed pf && !pf.willRestart());
        List<ProviderEvent.ProviderFailed> failures = events.stream().filter(e -> e instanceof ProviderEvent.ProviderFailed)
                .map(e -> (ProviderEvent.ProviderFailed) e).toList();
        assertThat(failures).hasSize(3).allMatch(pf -> pf.message().contains("cannot start on purpose"));
        assertThat(failures.stream().map(ProviderEvent.ProviderFailed::willRestart)).containsExactly(true, true, false);
        assertThat(events).noneMatch(e -> e instanceof ProviderEvent.ProviderRestarted);
        assertThat(f.serving()).isFalse();
        assertThat(f.handleNewFlow(flow(1, 8080))).isEqualTo(FinalVerdict.DROP);
    }

    private ProviderEvent await(Predicate<ProviderEvent> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (ProviderEvent e : events) if (p.test(e)) return e;
            Thread.sleep(10);
        }
        throw new AssertionError("no such event in " + events);
    }

    /** What the flow engine would hand its provider; nothing here is under test. Keeps what was published. */
    static final class HostContext implements FilterContext {
        final AtomicLong published = new AtomicLong();
        final List<Map<String, String>> attributes = new CopyOnWriteArrayList<>();

        @Override public FilterControl control() {
            return new FilterControl() {
                @Override public boolean resume(long flowId, FilterVerdict verdict) { return false; }

                @Override public void applySettings(FilterSettings settings) {}
            };
        }

        @Override public String name() { return "web"; }

        @Override public ProviderKind kind() { return ProviderKind.FILTER_DATA; }

        @Override public void log(String message) {}

        @Override public void publish(String type, Map<String, String> attributes, long flowId) {
            published.incrementAndGet();
            this.attributes.add(attributes);
        }

        @Override public int bypassMark() { return 0; }

        @Override public void spawn(String name, ThrowingRunnable loop) { throw new AssertionError("the supervisor spawns loops itself"); }

        @Override public void onPathChange(Consumer<PathEvent> listener) {}

        @Override public void cancel(Throwable error) {}
    }
}
