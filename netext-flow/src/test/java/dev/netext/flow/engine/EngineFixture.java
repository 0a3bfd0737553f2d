package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the engine's integration tests share: an engine started inside a lab namespace with its events collected, the
 * check that closing it left no interception behind, and the origin servers and clean-up around it.
 */
public final class EngineFixture {
    private EngineFixture() {}

    /** Skips the test class unless this JVM runs as root (namespaces, nft). */
    public static void assumeRoot() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
    }

    /** Starts an engine in {@code ns} that offers allowed flows to {@code proxies} and adds its events to {@code events}. */
    public static FlowEngine start(NetworkNamespace ns, FlowEngineConfig config, FilterDataProvider filter,
                            List<FlowProxy> proxies, List<ProviderEvent> events) throws Exception {
        return ns.runInside(() -> FlowEngine.start(config, filter, proxies, null, events::add, new AtomicLong(), null,
                new AtomicLong()::incrementAndGet));
    }

    /**
     * The end of an engine test class: closes {@code engine} in {@code ns} and checks that it took its interception
     * with it, then (even when that fails) closes the lab and deletes {@code dir}. Any argument may be null (a set-up
     * that failed half-way).
     */
    public static void tearDown(NetnsLab lab, NetworkNamespace ns, FlowEngine engine, Path dir) throws Exception {
        try {
            closeChecked(ns, engine);
        } finally {
            if (lab != null) lab.close();
            deleteTree(dir);
        }
    }

    /** Closes {@code engine} (if any) inside {@code ns}, then checks that {@code ns} keeps no interception. */
    public static void closeChecked(NetworkNamespace ns, FlowEngine engine) throws Exception {
        if (engine != null) ns.runInside(() -> engine.close());
        if (ns != null) assertNoInterceptionLeft(ns);
    }

    /** No nft table, policy rule or route of the engine's interception is left in {@code ns}. */
    public static void assertNoInterceptionLeft(NetworkNamespace ns) throws Exception {
        assertThat(ns.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
        assertThat(ns.ip("rule").output()).doesNotContain("0x4e580f01");
        assertThat(ns.ip("-6", "rule").output()).doesNotContain("0x4e580f01");
        assertThat(ns.ip("route", "show", "table", "52101").output()).isBlank();
        assertThat(ns.ip("-6", "route", "show", "table", "52101").output()).isBlank();
    }

    /** The opened, verdict and closed events of flow {@code flowId} so far, in order. */
    public static List<ProviderEvent> eventsOf(List<ProviderEvent> events, long flowId) {
        return events.stream().filter(e -> switch (e) {
            case ProviderEvent.FlowOpened o -> o.flowId() == flowId;
            case ProviderEvent.FlowVerdict v -> v.flowId() == flowId;
            case ProviderEvent.FlowClosed c -> c.flowId() == flowId;
            default -> false;
        }).toList();
    }

    public static void deleteTree(Path dir) throws Exception {
        if (dir == null) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /**
     * Python's {@code http.server} in {@code ns} on {@code bind} port 80, serving {@code dir}, once it listens. exec,
     * not run: the lab tracks it and kills it at close; sh execs into python, keeping the pid.
     */
    public static void serveDirectory(NetworkNamespace ns, String bind, Path dir) throws Exception {
        ns.exec("sh", "-c", "exec /usr/bin/python3 -m http.server 80 --bind " + bind + " --directory '" + dir
                + "' > /dev/null 2>&1");
        awaitTcpListening(ns, 80);
    }

    /** Waits (≤ 5 s) until something in {@code ns} listens on TCP {@code port}. */
    public static void awaitTcpListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Htln", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException(ns + " port " + port + " never listened");
    }

    /** Waits (≤ 5 s) until something in {@code ns} listens on UDP {@code port}. */
    public static void awaitUdpListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Hunl", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException(ns + " UDP port " + port + " never bound");
    }
}
