package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The fast path attributes a known process from caches, on the queue's loop ({@code ProcessAttributor.attributeQuickly},
 * {@code ProcessFactsCache}); a process rule must still see what the process is now. One pid connects three times as
 * {@code python3} (allowed; the later ones attributed from the caches), then execs {@code curl}, which connects from
 * the same pid: the rule "drop curl" drops that flow, and its events name curl.
 */
class FastPathExecIntegrationTest {
    private static final String SCRIPT = """
            import os, socket
            for i in range(3):
                s = socket.create_connection(('10.83.0.2', 7007))
                s.sendall(b'GET / HTTP/1.1\\r\\nHost: python.test\\r\\n\\r\\n')
                print('echo' if s.recv(1) else 'closed', flush=True)
                s.close()
            os.execv('/usr/bin/curl', ['curl', '-s', '--max-time', '5', '-H', 'Host: curl.test', 'http://10.83.0.2:7007/'])
            """;

    @Test
    void anExecFromAKnownPidIsJudgedAsTheNewProgram() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
        HostPackages.require("curl", "python3", "nft", "iptables");
        Path dir = Files.createTempDirectory("netext-fastpath-exec-it");
        List<ProviderEvent> events = new CopyOnWriteArrayList<>();
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace client = lab.namespace("client"), server = lab.namespace("server");
            lab.veth(VethEnd.of("client", "xc0", "10.83.0.1/24"), VethEnd.of("server", "xs0", "10.83.0.2/24"));
            ServerSocket echo = server.runInside(() -> new ServerSocket(7007, 50, InetAddress.getByName("10.83.0.2")));
            Thread echoThread = Thread.ofPlatform().daemon().start(() -> serveEcho(echo));
            RulesFilter filter = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withProcessName("curl")),
                    RuleAction.ALLOW, Duration.ofSeconds(20), FinalVerdict.DROP, DropMode.RESET);
            FlowEngineConfig config = FlowEngineConfig.defaults("fast-path-exec", InterceptionConfig.Scope.ALL)
                    .withLedgerDir(dir.resolve("ledger"));
            FlowEngine engine = client.runInside(() -> FlowEngine.start(config, filter, List.of(), null, events::add,
                    new AtomicLong(), null, new AtomicLong()::incrementAndGet));
            try {
                ExecResult r = client.run(Duration.ofSeconds(30), "python3", "-c", SCRIPT);
                assertThat(r.output()).as(r.output()).startsWith("echo\necho\necho\n");
                assertThat(r.exitCode()).as("curl was reset: " + r.output()).isNotZero();

                List<ProviderEvent.FlowOpened> opened = awaitOpened(events, 4);
                int pid = opened.getFirst().flow().process().pid().orElseThrow();
                for (ProviderEvent.FlowOpened o : opened) assertThat(o.flow().process().pid()).hasValue(pid);
                for (int i = 0; i < 3; i++) {
                    ProcessInfo p = opened.get(i).flow().process();
                    assertThat(p.executable().orElseThrow().getFileName().toString()).startsWith("python3");
                    assertThat(verdicts(events, opened.get(i).flowId())).containsExactly(FinalVerdict.ALLOW);
                }
                ProcessInfo curl = opened.get(3).flow().process();
                assertThat(curl.executable()).contains(Path.of("/usr/bin/curl").toRealPath());
                assertThat(curl.commandLine()).contains("-H", "Host: curl.test");
                assertThat(verdicts(events, opened.get(3).flowId())).containsExactly(FinalVerdict.DROP);
                assertThat(engine.attributor().facts().hits()).as("the later python flows came from the cache").isPositive();
            } finally {
                client.runInside(() -> engine.close());
                echo.close();
                echoThread.join(2000);
                EngineFixture.assertNoInterceptionLeft(client);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static List<ProviderEvent.FlowOpened> awaitOpened(List<ProviderEvent> events, int n) throws InterruptedException {
        List<ProviderEvent.FlowOpened> opened = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            opened = events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened)
                    .map(e -> (ProviderEvent.FlowOpened) e).sorted(Comparator.comparingLong(ProviderEvent.FlowOpened::flowId)).toList();
            if (opened.size() >= n) return opened;
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + n + " flows, saw " + events);
    }

    private static List<Object> verdicts(List<ProviderEvent> events, long id) throws InterruptedException {
        for (int i = 0; i < 100 && events.stream().noneMatch(e -> e instanceof ProviderEvent.FlowVerdict v
                && v.flowId() == id); i++) Thread.sleep(20);
        return events.stream().filter(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == id)
                .map(e -> (Object) ((ProviderEvent.FlowVerdict) e).verdict()).toList();
    }

    private static void serveEcho(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                        int b;
                        while ((b = in.read()) >= 0) o.write(b);
                    } catch (Exception ignored) {
                        // client went away
                    }
                });
            } catch (Exception e) {
                return;
            }
        }
    }
}
