package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.ProviderEvent.ProviderFailed;
import dev.netext.api.ProviderEvent.ProviderRestarted;
import dev.netext.api.ProviderKind;
import dev.netext.api.ProviderStatus;
import dev.netext.api.ThrowingRunnable;
import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterControl;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterSettings;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.path.PathEvent;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.interception.SupervisedFilter;
import dev.netext.daemon.interception.SupervisedProxy;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProxiesSection;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One provider lifecycle for every component, shown with the real components and providers that fail on purpose
 * ({@link LifecycleScript}): a provider that throws at start, one whose loop throws after a good start, and one whose
 * start hangs each give the same events — {@code ProviderFailed(error_type, will_restart: true)}, then
 * {@code ProviderRestarted(attempt 1)} once a fresh instance is up — with the same JSON fields in the same order,
 * whatever the component. The tunnel and the packet filter run in a network namespace of their own (a TUN device,
 * NFQUEUE and iptables rules), which is removed afterwards.
 *
 * <p>A profile's DNS section runs the built-in split-DNS provider (a profile cannot name another), so the DNS cases
 * give the daemon's DNS component a provider of the test's; the built-in one's own start failure, a listen address
 * already in use, has a case of its own.
 */
class ProviderLifecycleTest {
    private static final RestartPolicy QUICK =
            new RestartPolicy(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMinutes(1), 0, Duration.ofSeconds(2));
    private static final Duration WAIT = Duration.ofSeconds(20);

    enum Failure {
        THROWS_AT_START("throw-at-start", "IllegalStateException"),
        THROWS_LATER("throw-later", "IllegalStateException"),
        HANGS("hang", "TimeoutException");

        final String mode;
        final String errorType;

        Failure(String mode, String errorType) {
            this.mode = mode;
            this.errorType = errorType;
        }
    }

    /** A component under test: started with the provider's options, asked whether it serves, stopped. */
    private interface Running extends AutoCloseable {
        boolean serving();
    }

    @TempDir
    Path dir;
    private final EventLog events = new EventLog();
    private final ProviderResolver resolver = new ProviderResolver(Map.of(), List.of(), ProviderLifecycleTest.class.getClassLoader());
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
        resolver.close();
    }

    static Stream<Arguments> componentsAndFailures() {
        List<Arguments> out = new ArrayList<>();
        for (String component : List.of("filter", "proxy", "tunnel", "packet-filter", "dns"))
            for (Failure f : Failure.values()) out.add(Arguments.of(component, f));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("componentsAndFailures")
    void aProviderThatFailsOnceIsReportedThenRestartedWithTheSameEvents(String component, Failure failure) throws Exception {
        Path marker = Files.createFile(dir.resolve("fail-once"));
        Map<String, Object> options = Map.of("mode", failure.mode, "marker", marker.toString());
        String provider = "lc-" + component;
        Running running = switch (component) {
            case "filter" -> filter(provider, options);
            case "proxy" -> proxy(provider, options);
            case "tunnel" -> tunnel(provider, options);
            case "packet-filter" -> packetFilter(provider, options);
            case "dns" -> dns(provider, options);
            default -> throw new IllegalArgumentException(component);
        };
        await(() -> lifecycle(provider).size() >= 2 && running.serving(), provider);
        assertThat(Files.exists(marker)).as("the provider failed once").isFalse();
        assertThat(lifecycle(provider)).as("%s %s", component, events.history(e -> true))
                .containsExactly("ProviderFailed " + failure.errorType + " will_restart=true", "ProviderRestarted attempt=1");
        assertThat(fieldOrder(provider)).containsExactly(
                List.of("seq", "mono_ns", "time", "type", "provider", "error_type", "message", "will_restart"),
                List.of("seq", "mono_ns", "time", "type", "provider", "attempt"));
        running.close();
    }

    @Test
    void aDnsProxyWhoseListenAddressIsTakenIsReportedThenRestartedWithTheSameEvents() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = taken.getLocalPort();
            Profile p = Profiles.of("lc-dns", """
                    dns:
                      listen: ["127.0.0.1:%d"]
                      intercept: false
                      servers: { up: "udp://127.0.0.1:9" }
                      default: up
                    """.formatted(port));
            ProfileComponent c = DnsComponent.factory().create(p, services()).orElseThrow();
            cleanup.add(() -> c.stop(StopReason.USER_INITIATED));
            c.start();
            await(() -> !lifecycle("lc-dns").isEmpty(), "lc-dns");
            taken.close(); // the address is free: the next launch binds it
            await(() -> lifecycle("lc-dns").size() >= 2 && c.status().status() == ProviderStatus.CONNECTED, "lc-dns");
        }
        // the DNS host says which address it could not listen on, in an IOException of its own
        assertThat(lifecycle("lc-dns")).containsExactly("ProviderFailed IOException will_restart=true", "ProviderRestarted attempt=1");
        assertThat(events.history(e -> e instanceof ProviderFailed f && f.message().contains("cannot listen on 127.0.0.1:"))).hasSize(1);
        assertThat(fieldOrder("lc-dns")).containsExactly(
                List.of("seq", "mono_ns", "time", "type", "provider", "error_type", "message", "will_restart"),
                List.of("seq", "mono_ns", "time", "type", "provider", "attempt"));
    }

    @Test
    void aComponentTheRestartPolicyGaveUpOnStartsAgainOnTheNextStart() throws Exception {
        RestartPolicy once = new RestartPolicy(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMinutes(1), 1,
                Duration.ofSeconds(2));
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Profile p = Profiles.of("lc-dns", """
                    dns:
                      listen: ["127.0.0.1:%d"]
                      intercept: false
                      servers: { up: "udp://127.0.0.1:9" }
                      default: up
                    """.formatted(taken.getLocalPort()));
            ProfileComponent c = DnsComponent.factory().create(p, new DaemonServices(events, resolver, dir, once)).orElseThrow();
            cleanup.add(() -> c.stop(StopReason.USER_INITIATED));
            c.start();
            await(() -> lifecycle("lc-dns").contains("ProviderFailed IOException will_restart=false"), "lc-dns");
            taken.close();
            c.start(); // 'netext up' on the active profile
            assertThat(c.status().status()).as(c.status().detail()).isEqualTo(ProviderStatus.CONNECTED);
        }
        assertThat(lifecycle("lc-dns")).containsExactly("ProviderFailed IOException will_restart=true",
                "ProviderFailed IOException will_restart=false");
    }

    // ---- the components ----

    private Running filter(String name, Map<String, Object> options) throws Exception {
        var plugin = resolver.resolve(FilterDataProvider.class, LifecycleFilter.class.getName(), dir.resolve("p.yaml"), Set.of("rules"));
        SupervisedFilter f = new SupervisedFilter(name, plugin, QUICK, FinalVerdict.DROP, events, Duration.ofSeconds(1));
        cleanup.add(() -> f.stopFilter(StopReason.USER_INITIATED));
        f.startFilter(new EngineContext(name), options);
        return running(f::serving, () -> { });
    }

    private Running proxy(String name, Map<String, Object> options) throws Exception {
        Profile p = Profiles.of("lc", """
                proxies:
                  - { name: %s, order: 1, type: %s, include: [{ port: 443 }] }
                """.formatted(name, LifecycleProxy.class.getName()));
        ProxiesSection.Custom custom = p.proxies().orElseThrow().custom().getFirst();
        var plugin = resolver.resolve(ProxyProvider.class, custom.type(), dir.resolve("p.yaml"), Set.of("socks5", "http"));
        SupervisedProxy proxy = SupervisedProxy.start("lc", custom.member(), 0, plugin, options, QUICK, events,
                Duration.ofSeconds(1), Duration.ofSeconds(60));
        cleanup.add(proxy);
        return running(proxy::serving, () -> { });
    }

    private Running tunnel(String name, Map<String, Object> options) throws Exception {
        NetworkNamespace ns = namespace("lct");
        Profile p = Profiles.of(name, """
                tunnel:
                  provider: %s
                  interface: lct0
                  settings: { addresses: [10.9.7.1/24] }
                  options: { mode: %s, marker: "%s" }
                """.formatted(LifecycleTunnel.class.getName(), options.get("mode"), options.get("marker")));
        return component(ns, TunnelComponent.factory().create(p, services()).orElseThrow());
    }

    private Running packetFilter(String name, Map<String, Object> options) throws Exception {
        NetworkNamespace ns = namespace("lcp");
        Profile p = Profiles.of(name, """
                packet-filter:
                  provider: %s
                  queue: 7
                  match: [{ direction: out, protocol: udp, port: 9999 }]
                  options: { mode: %s, marker: "%s" }
                """.formatted(LifecyclePacketFilter.class.getName(), options.get("mode"), options.get("marker")));
        return component(ns, PacketFilterComponent.factory().create(p, services()).orElseThrow());
    }

    /** The daemon's DNS component with a provider of the test's: its listener on an ephemeral loopback port. */
    private Running dns(String name, Map<String, Object> options) throws Exception {
        Profile p = Profiles.of(name, """
                dns:
                  listen: ["127.0.0.1:0"]
                  intercept: false
                  servers: { up: "udp://127.0.0.1:9" }
                  default: up
                """);
        ProfileComponent c = new DnsComponent(p, services(), _ -> new LifecycleDns(options));
        cleanup.add(() -> c.stop(StopReason.USER_INITIATED));
        c.start();
        return running(() -> c.status().status() == ProviderStatus.CONNECTED, () -> c.stop(StopReason.USER_INITIATED));
    }

    /** Starts a daemon component from inside {@code ns}: its supervisor's threads, and so its launches, live there. */
    private Running component(NetworkNamespace ns, ProfileComponent c) throws Exception {
        cleanup.add(() -> c.stop(StopReason.USER_INITIATED));
        ns.runInside(c::start);
        return running(() -> c.status().status() == ProviderStatus.CONNECTED, () -> c.stop(StopReason.USER_INITIATED));
    }

    private NetworkNamespace namespace(String name) throws Exception {
        NetnsLab lab = NetnsLab.create();
        cleanup.add(lab);
        return lab.namespace(name);
    }

    private DaemonServices services() {
        return new DaemonServices(events, resolver, dir, QUICK);
    }

    private static Running running(BooleanSupplier serving, ThrowingRunnable stop) {
        return new Running() {
            @Override public boolean serving() { return serving.getAsBoolean(); }

            @Override public void close() throws Exception { stop.run(); }
        };
    }

    // ---- the events ----

    /** The provider's lifecycle events, as their type and the fields every component must agree on. */
    private List<String> lifecycle(String provider) {
        return events.history(e -> e.provider().equals(provider)).stream().<String>mapMulti((e, out) -> {
            if (e instanceof ProviderFailed f) out.accept("ProviderFailed " + f.errorType() + " will_restart=" + f.willRestart());
            if (e instanceof ProviderRestarted r) out.accept("ProviderRestarted attempt=" + r.attempt());
        }).toList();
    }

    /** The JSON field names of the provider's lifecycle events, in order, as `netext events` prints them. */
    private List<List<String>> fieldOrder(String provider) {
        EventJson json = new EventJson(events::wallTime);
        return events.history(e -> e.provider().equals(provider)
                && (e instanceof ProviderFailed || e instanceof ProviderRestarted)).stream().map(e -> {
            ObjectNode o = json.toJson(e);
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) names.add(it.next());
            return names;
        }).toList();
    }

    private void await(BooleanSupplier condition, String provider) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("not reached for " + provider + "; events: " + events.history(e -> true));
            Thread.sleep(20);
        }
    }

    /** What the flow engine would hand its provider; nothing here is under test. */
    private record EngineContext(String name) implements FilterContext {
        @Override public FilterControl control() {
            return new FilterControl() {
                @Override public boolean resume(long flowId, FilterVerdict verdict) { return false; }

                @Override public void applySettings(FilterSettings settings) {}
            };
        }

        @Override public ProviderKind kind() { return ProviderKind.FILTER_DATA; }

        @Override public void log(String message) {}

        @Override public void publish(String type, Map<String, String> attributes, long flowId) {}

        @Override public int bypassMark() { return 0; }

        @Override public void spawn(String name, ThrowingRunnable loop) { throw new AssertionError("the supervisor spawns loops itself"); }

        @Override public void onPathChange(Consumer<PathEvent> listener) {}

        @Override public void cancel(Throwable error) {}
    }
}
