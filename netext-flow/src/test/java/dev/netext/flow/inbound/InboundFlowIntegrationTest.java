package dev.netext.flow.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpFamily;
import dev.netext.flow.engine.EngineFixture;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.flow.engine.FlowEngineConfig;
import dev.netext.flow.engine.InterceptionOptions;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.flow.rules.RulesFilter;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.testkit.netns.NetnsTest;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inbound flows: namespace {@code host} runs Python's {@code http.server} on three ports and a flow engine whose
 * rules judge inbound connections; namespace {@code remote} connects with curl. Port 7000 is prompted (the SYN
 * waits in the queue; once answered allow, or dropped by the prompt's timeout), port 7001 allowed, port 7002 dropped
 * by a {@code direction: in} rule; every inbound flow names the server's process. UDP is judged on its first
 * datagram, and the host's own firewall still applies to what netext allows. A profile with no inbound rule
 * leaves inbound connections alone: nothing is queued, no inbound flow is reported. An allowed connection's closed
 * event carries the bytes its conntrack entry counted.
 */
class InboundFlowIntegrationTest {
    private static final String HOST4 = "10.201.0.1", REMOTE4 = "10.201.0.2", HOST6 = "fd21::1";
    private static final Duration PROMPT = Duration.ofSeconds(3);
    private static final String ACCOUNTING = "net.netfilter.nf_conntrack_acct";

    @TempDir
    Path dir;

    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();

    @NetnsTest
    void inboundConnectionsArePromptedDroppedAndAllowedWithTheServersProcess(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        servers(lab, host);
        RulesFilter filter = new RulesFilter(List.of(
                inbound(RuleAction.PROMPT, 7000), inbound(RuleAction.ALLOW, 7001), inbound(RuleAction.DROP, 7002),
                FlowRule.of(RuleAction.DROP).withPort(PortRange.of(7001))), // an outbound rule: not for inbound flows
                RuleAction.ALLOW, PROMPT, FinalVerdict.DROP, DropMode.RESET);
        FlowEngine engine = start(host, filter, true);
        try {
            // allowed: served, one inbound flow naming python3 as the server
            ExecResult ok = curl(remote, HOST4, 7001);
            assertThat(ok.exitCode()).as(ok.output()).isZero();
            assertThat(ok.output()).contains("served to the remote");
            Flow allowed = inboundFlow(f -> f.local().port() == 7001);
            assertThat(allowed.remote().address().getHostAddress()).isEqualTo(REMOTE4);
            assertThat(allowed.local().address().getHostAddress()).isEqualTo(HOST4);
            assertServer(allowed);
            assertThat(verdicts(allowed.id())).containsExactly(FinalVerdict.ALLOW);
            ExecResult ok6 = curl(remote, "[" + HOST6 + "]", 7001);
            assertThat(ok6.output()).as("IPv6").contains("served to the remote");
            assertServer(inboundFlow(f -> f.local().port() == 7001 && f.remote().family() == IpFamily.V6));

            // dropped by its rule: reset at once, nothing served
            ExecResult dropped = curl(remote, HOST4, 7002);
            assertThat(dropped.exitCode()).as(dropped.output()).isEqualTo(7); // connection refused: the kernel's RST
            Flow d = inboundFlow(f -> f.local().port() == 7002);
            assertServer(d);
            assertThat(verdicts(d.id())).containsExactly(FinalVerdict.DROP);

            // prompted: the SYN waits in the queue (curl hangs, a prompt event is out), then the answer lets it in
            CompletableFuture<ExecResult> answered = CompletableFuture.supplyAsync(() -> curlUnchecked(remote, HOST4, 7000));
            Flow p = inboundFlow(f -> f.local().port() == 7000);
            assertServer(p);
            awaitPrompt(p.id());
            // the filter publishes the prompt while deciding; the pipeline holds the flow paused a moment later
            assertThat(EngineFixture.awaitPausedFlow(engine)).isEqualTo(p.id());
            Thread.sleep(1500); // a SYN retransmit comes meanwhile: the same flow, not a second one
            assertThat(answered).isNotDone();
            assertThat(engine.control().resume(p.id(), FinalVerdict.ALLOW)).isTrue();
            ExecResult after = answered.get(20, TimeUnit.SECONDS);
            assertThat(after.exitCode()).as(after.output()).isZero();
            assertThat(after.output()).contains("served to the remote");
            assertThat(inboundFlows(f -> f.local().port() == 7000)).hasSize(1);

            // prompted and not answered: the prompt's default drops it when it times out
            events.clear();
            long t0 = System.nanoTime();
            ExecResult timedOut = curl(remote, HOST4, 7000);
            Flow q = inboundFlow(f -> f.local().port() == 7000);
            assertThat(timedOut.exitCode()).as(timedOut.output()).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(PROMPT.minusMillis(200));
            assertThat(verdicts(q.id())).containsExactly(new FilterVerdict.Pause(PROMPT, FinalVerdict.DROP), FinalVerdict.DROP);
            assertThat(events).anyMatch(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == q.id()
                    && m.type().equals("filter.prompt") && "in".equals(m.attributes().get("direction")));

            // the host's own connection to its own server is no inbound flow
            events.clear();
            assertThat(curl(host, HOST4, 7002).output()).contains("served to the remote");
            assertThat(inboundFlows(f -> true)).isEmpty();
            assertThat(host.run("iptables", "-t", "mangle", "-S").output()).contains("NETEXT-IN-");
        } finally {
            host.runInside(engine::close);
        }
        assertThat(host.run("iptables", "-t", "mangle", "-S").output()).doesNotContain("NETEXT-IN-");
        assertThat(host.run("iptables", "-S").output()).doesNotContain("NETEXT-IN-");
        assertThat(host.run("ip6tables", "-t", "mangle", "-S").output()).doesNotContain("NETEXT-IN-");
        assertThat(curl(remote, HOST4, 7002).exitCode()).as("the rule went with the engine").isZero();
    }

    @NetnsTest
    void udpIsJudgedOnItsFirstDatagramAndTheHostsOwnFirewallStillApplies(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables", "nc");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        servers(lab, host);
        RulesFilter filter = new RulesFilter(List.of(inbound(RuleAction.DROP, 7007), inbound(RuleAction.ALLOW, 7001)),
                RuleAction.ALLOW, PROMPT, FinalVerdict.DROP, DropMode.RESET);
        try (UdpEchoServer dropped = host.runInside(() -> UdpEchoServer.open(new InetSocketAddress(HOST4, 7007)));
             UdpEchoServer allowed = host.runInside(() -> UdpEchoServer.open(new InetSocketAddress(HOST4, 7008)))) {
            FlowEngine engine = start(host, filter, true);
            try {
                for (int i = 0; i < 2; i++) { // the second exchange: datagrams of a decided flow get its verdict at once
                    ExecResult ok = remote.run(Duration.ofSeconds(15), "sh", "-c", "echo inbound-udp | nc -u -w 2 -p 40000 " + HOST4 + " 7008");
                    assertThat(ok.output()).contains("inbound-udp");
                }
                Flow u = inboundFlow(f -> f.local().port() == 7008);
                assertThat(u.protocol()).isEqualTo(TransportProtocol.UDP);
                assertThat(u.process().executable().orElseThrow().getFileName().toString()).as("the test JVM's socket")
                        .startsWith("java");
                assertThat(inboundFlows(f -> f.local().port() == 7008)).hasSize(1);
                ExecResult no = remote.run(Duration.ofSeconds(15), "sh", "-c", "echo inbound-udp | nc -u -w 2 " + HOST4 + " 7007");
                assertThat(no.output()).doesNotContain("inbound-udp");
                assertThat(dropped.echoed()).isZero();
                assertThat(verdicts(inboundFlow(f -> f.local().port() == 7007).id())).containsExactly(FinalVerdict.DROP);

                // netext's allow is no override: a rule of the host's own filter table still rejects
                host.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "7001", "-j", "REJECT", "--reject-with", "tcp-reset").orThrow();
                ExecResult blocked = curl(remote, HOST4, 7001);
                assertThat(blocked.exitCode()).as(blocked.output()).isEqualTo(7);
                assertThat(verdicts(inboundFlow(f -> f.local().port() == 7001).id())).containsExactly(FinalVerdict.ALLOW);
            } finally {
                host.runInside(engine::close);
            }
            assertThat(allowed.echoed()).isEqualTo(2);
        }
    }

    /**
     * The kernel carries an allowed inbound connection: its closed event has its conntrack entry's counts (IP bytes,
     * headers included), found by the queue thread's conntrack sweep once the connection closed. Without the fast path
     * the inbound steering turns accounting on itself (old value in its ledger) and puts it back as the engine stops.
     */
    @NetnsTest
    void anAllowedInboundDownloadClosesWithItsBytesAndAccountingIsPutBackAfterStop(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        servers(lab, host);
        long size = 4 << 20;
        Files.write(dir.resolve("download.bin"), new byte[(int) size]);
        RulesFilter filter = new RulesFilter(List.of(inbound(RuleAction.ALLOW, 7001)),
                RuleAction.ALLOW, PROMPT, FinalVerdict.DROP, DropMode.RESET);
        assertThat(host.sysctl(ACCOUNTING).strip()).as("a new namespace's default").isEqualTo("0");
        FlowEngine engine = start(host, filter, true, false);
        try {
            assertThat(host.sysctl(ACCOUNTING).strip()).isEqualTo("1");
            try (var files = Files.list(dir.resolve("ledger"))) {
                Path ledger = files.filter(f -> f.getFileName().toString().startsWith("inbound-")).findFirst().orElseThrow();
                assertThat(Files.readString(ledger)).contains("sysctl name=" + ACCOUNTING + " old=0 value=1");
            }
            ExecResult r = remote.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "-o", "/dev/null",
                    "-w", "%{size_download}", "http://" + HOST4 + ":7001/download.bin");
            assertThat(r.output().strip()).as(r.output()).isEqualTo(Long.toString(size));
            Flow f = inboundFlow(x -> x.local().port() == 7001);
            ProviderEvent.FlowClosed closed = EngineFixture.awaitClosed(events, f.id()); // the 5 s conntrack sweep
            assertThat(closed.outboundBytes()).as("out: the file, the response's head, TCP/IP headers")
                    .isBetween(size, (long) (size * 1.05));
            assertThat(closed.inboundBytes()).as("in: the request and the peer's acks").isBetween(100L, 1L << 20);
        } finally {
            host.runInside(engine::close);
        }
        assertThat(host.sysctl(ACCOUNTING).strip()).as("put back as the engine stopped").isEqualTo("0");
    }

    @NetnsTest
    void withoutInboundRulesInboundConnectionsAreUntouched(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        servers(lab, host);
        RulesFilter filter = new RulesFilter(List.of(FlowRule.of(RuleAction.DROP).withPort(PortRange.of(7000))),
                RuleAction.DROP, PROMPT, FinalVerdict.DROP, DropMode.RESET);
        assertThat(filter.judgesInbound()).isFalse();
        FlowEngine engine = start(host, filter, filter.judgesInbound());
        try {
            for (int port : new int[]{7000, 7002}) {
                ExecResult r = curl(remote, HOST4, port);
                assertThat(r.exitCode()).as(r.output()).isZero();
            }
            Thread.sleep(300);
            assertThat(inboundFlows(f -> true)).isEmpty();
            assertThat(host.run("iptables", "-t", "mangle", "-S").output()).doesNotContain("NETEXT-IN-");
        } finally {
            host.runInside(engine::close);
        }
    }

    private void servers(NetnsLab lab, NetworkNamespace host) throws Exception {
        lab.veth(VethEnd.of("host", "h-r", HOST4 + "/24", HOST6 + "/64"), VethEnd.of("remote", "r-h", REMOTE4 + "/24", "fd21::2/64"));
        Files.writeString(dir.resolve("hello.txt"), "served to the remote\n");
        for (int port : new int[]{7000, 7001, 7002})
            host.exec("sh", "-c", "exec python3 -m http.server " + port + " --bind :: --directory '" + dir + "'");
        for (int port : new int[]{7000, 7001, 7002}) awaitListening(host, port);
    }

    private FlowEngine start(NetworkNamespace host, RulesFilter filter, boolean inbound) throws Exception {
        return start(host, filter, inbound, true);
    }

    private FlowEngine start(NetworkNamespace host, RulesFilter filter, boolean inbound, boolean fastPath) throws Exception {
        FlowEngineConfig config = FlowEngineConfig.defaults("inbound", InterceptionConfig.Scope.ALL)
                .withLedgerDir(dir.resolve("ledger"))
                .withInterception(InterceptionOptions.DEFAULT.withInbound(inbound, true).withFastPath(fastPath));
        return host.runInside(() -> FlowEngine.start(config, filter, List.of(), null, events::add, new AtomicLong(), null, new AtomicLong()::incrementAndGet));
    }

    private static FlowRule inbound(RuleAction action, int port) {
        return FlowRule.of(action).withDirection(Direction.INBOUND).withPort(PortRange.of(port));
    }

    private static ExecResult curl(NetworkNamespace from, String address, int port) throws Exception {
        return from.run(Duration.ofSeconds(30), "curl", "-sS", "-g", "--max-time", "20",
                "http://" + address + ":" + port + "/hello.txt");
    }

    private static ExecResult curlUnchecked(NetworkNamespace from, String address, int port) {
        try {
            return curl(from, address, port);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertServer(Flow f) {
        assertThat(f.direction()).isEqualTo(Direction.INBOUND);
        assertThat(f.process().executable()).as("the listening server's process").isPresent();
        assertThat(f.process().executable().orElseThrow().getFileName().toString()).startsWith("python3");
    }

    private List<Flow> inboundFlows(Predicate<Flow> which) {
        return events.stream().filter(e -> e instanceof ProviderEvent.FlowOpened).map(e -> ((ProviderEvent.FlowOpened) e).flow())
                .filter(f -> f.direction() == Direction.INBOUND && which.test(f)).toList();
    }

    private Flow inboundFlow(Predicate<Flow> which) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            List<Flow> found = inboundFlows(which);
            if (!found.isEmpty()) return found.getLast();
            Thread.sleep(20);
        }
        throw new AssertionError("no such inbound flow in " + events);
    }

    private void awaitPrompt(long flowId) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            if (events.stream().anyMatch(e -> e instanceof ProviderEvent.ProviderMessage m && m.flowId() == flowId
                    && m.type().equals("filter.prompt"))) return;
            Thread.sleep(20);
        }
        throw new AssertionError("no prompt for flow " + flowId + " in " + events);
    }

    private List<Object> verdicts(long flowId) throws InterruptedException {
        Thread.sleep(100); // a verdict after a pause may trail the client's answer
        return events.stream().filter(e -> e instanceof ProviderEvent.FlowVerdict v && v.flowId() == flowId)
                .map(e -> (Object) ((ProviderEvent.FlowVerdict) e).verdict()).toList();
    }

    private static void awaitListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Htln", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns);
    }
}
