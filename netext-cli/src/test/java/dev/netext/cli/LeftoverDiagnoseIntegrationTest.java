package dev.netext.cli;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.ProcessInfo;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext diagnose} after {@code kill -9} of each component kind — a tunnel, the flow layer with DNS
 * interception, a packet filter, a daemon's filter and flow capture — in a namespace of the test's own: every leftover is an error (exit 1), and
 * {@code diagnose --fix} leaves nothing (no nft table, iptables chain, rule, route, ledger). And a ledger whose
 * namespace inode a live namespace now has (another cookie) never costs the live namespace its objects.
 */
class LeftoverDiagnoseIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private record Result(int exitCode, String output) {}

    private static Result netext(NetworkNamespace ns, String... args) throws Exception {
        try (NetextProcess p = NetextProcess.start(ns, args)) {
            int code = p.waitFor(START);
            return new Result(code, p.output());
        }
    }

    /** Starts {@code netext up PROFILE}, waits for a line matching each of {@code ready}, kills it with SIGKILL; returns its pid. */
    @SafeVarargs
    private static long upAndKill9(NetworkNamespace ns, Path profile, Predicate<String>... ready) throws Exception {
        NetextProcess p = NetextProcess.start(ns, "up", profile.toString());
        try {
            for (Predicate<String> r : ready) assertThat(p.awaitLine(r, START)).as("netext output:\n%s", p.output()).isPresent();
            p.kill(); // no shutdown hook, no cleanup: what it created stays
            return p.pid();
        } finally {
            p.close();
        }
    }

    private static List<Path> ledgersOf(Path stateDir, NetworkNamespace ns, long pid) throws Exception {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) return out;
        try (var ds = Files.newDirectoryStream(stateDir, "*-" + ns.inode() + "-" + pid + ".state")) {
            ds.forEach(out::add);
        }
        return out;
    }

    /** The namespace's state once its veths' IPv6 link-local addresses are past DAD (which adds their local routes). */
    private static NetworkState settled(NetworkNamespace ns) throws Exception {
        for (int i = 0; i < 50 && ns.ip("-6", "addr").output().contains("tentative"); i++) Thread.sleep(100);
        return NetworkState.of(ns);
    }

    /** Everything netext could leave in netfilter, as text. */
    private static String netfilter(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "tables").output() + ns.run("iptables", "-S").output() + ns.run("ip6tables", "-S").output();
    }

    /** diagnose lists the leftovers as errors; --fix removes them all, ledgers included, and diagnose is then clean. */
    private static void diagnoseFindsAndFixes(NetworkNamespace ns, long pid, NetworkState before, String... leftovers)
            throws Exception {
        diagnoseFindsAndFixes(ns, StateLedger.DEFAULT_DIR, pid, before, leftovers);
    }

    private static void diagnoseFindsAndFixes(NetworkNamespace ns, Path stateDir, long pid, NetworkState before,
                                              String... leftovers) throws Exception {
        List<Path> ledgers = ledgersOf(stateDir, ns, pid);
        assertThat(ledgers).as("the dead instance's ledgers").isNotEmpty();
        Result found = netext(ns, "diagnose", "--state-dir", stateDir.toString());
        assertThat(found.exitCode()).as(found.output()).isEqualTo(1);
        for (Path l : ledgers) {
            assertThat(found.output()).as(found.output()).containsPattern("✗ error +stale-ledger: stale netext state: netext \\w+ ledger "
                    + Pattern.quote(l.toString()) + " of dead process " + pid + " left ");
        }
        assertThat(found.output()).contains(leftovers);

        Result fixed = netext(ns, "diagnose", "--fix", "--state-dir", stateDir.toString());
        assertThat(fixed.output()).as(fixed.output()).contains("fix: undid").doesNotContain("could not undo")
                .doesNotContain("stale netext state").doesNotContain("owned by no netext instance");
        assertThat(fixed.exitCode()).as(fixed.output()).isZero();
        assertThat(ledgersOf(stateDir, ns, pid)).isEmpty();
        assertThat(NetworkState.of(ns)).isEqualTo(before);
        assertThat(netfilter(ns)).doesNotContain("netext").doesNotContain("NETEXT");
    }

    @NetnsTest
    void aKilledTunnelsRulesAndRoutesAreErrorsAndFixRemovesThem(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("tun9");
        NetworkState before = settled(ns);
        Path full = dir.resolve("full.yaml");
        Files.writeString(full, """
                tunnel:
                  provider: pong
                  settings:
                    addresses: [10.7.0.1/24, "fd84:306d:fc4e::1/64"]
                    routes: [0.0.0.0/0, "::/0"]
                    excluded-routes: [10.7.5.0/24]
                    mtu: 1400
                """);
        long pid = upAndKill9(ns, full, l -> l.contains(" connected on "));
        assertThat(NetworkState.of(ns).rules()).contains("not from all fwmark"); // the kernel keeps them
        diagnoseFindsAndFixes(ns, pid, before, "ip rule", "ip -6 rule", "ip route 10.7.5.0/24 table 52");
    }

    @NetnsTest
    void aKilledFlowFilterWithDnsInterceptionBlackHolesDnsAndFixRestoresIt(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("flow9"), pub = lab.namespace("dns9");
        lab.veth("flow9", "to-pub", "10.54.9.1/24", "dns9", "pub0", "10.54.9.2/24");
        Dnsmasq.start(pub, "10.54.9.2", Dnsmasq.Mode.FORKING, 0, "--host-record=www.example,192.0.2.10");
        NetworkState before = settled(host);
        Path profile = dir.resolve("both.yaml");
        Files.writeString(profile, """
                name: both
                dns:
                  listen: [127.0.0.1:5353]
                  intercept: true
                  servers: { public: 10.54.9.2 }
                  default: public
                filter:
                  rules: []
                  default: allow
                """);
        for (int i = 0; i < 20 && !dig(host).output().strip().equals("192.0.2.10"); i++) Thread.sleep(250); // dnsmasq starting
        assertThat(dig(host).output().strip()).isEqualTo("192.0.2.10");
        long pid = upAndKill9(host, profile, l -> l.contains("dns both serving on"), l -> l.contains("intercepting TCP"));
        assertThat(dig(host).output().strip()).as("DNS is black-holed while the dead one's tables stay").isNotEqualTo("192.0.2.10");

        diagnoseFindsAndFixes(host, pid, before, "traffic is black-holed by nft table inet netext-dns",
                "traffic is black-holed by ip route local default table 52101, ip rule 10101 (table 52101)",
                "nft table inet netext-flow", "flow-", "dns-");
        assertThat(dig(host).output().strip()).isEqualTo("192.0.2.10");
    }

    @NetnsTest
    void aKilledFailClosedPacketFilterIsAnErrorAndFixRemovesItsChains(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("pf9");
        NetworkState before = settled(ns);
        Path profile = dir.resolve("pf.yaml");
        Files.writeString(profile, """
                name: pf9
                packet-filter:
                  provider: rules
                  queue: 19
                  match: [{ direction: out, protocol: udp, port: 9999 }]
                  on-failure: closed
                  options: { decide-flows: false }
                """);
        long pid = upAndKill9(ns, profile, l -> l.contains("running on queue"));
        assertThat(netfilter(ns)).contains("NETEXT-PF-19");
        diagnoseFindsAndFixes(ns, pid, before, "iptables chain NETEXT-PF-19-Q", "traffic is black-holed by");
    }

    /**
     * A gateway filter on the fast path turns conntrack accounting on (forwarded flows' bytes); killed, it leaves it
     * on with its chains: diagnose names it, {@code --fix} puts the old value back.
     */
    @NetnsTest
    void aKilledGatewayFilterLeavesConntrackAccountingOnAndFixRestoresIt(NetnsLab lab) throws Exception {
        String accounting = "net.netfilter.nf_conntrack_acct";
        NetworkNamespace gw = lab.namespace("gw9");
        lab.namespace("lan9");
        lab.veth("gw9", "gw-c", "10.55.9.1/24", "lan9", "lan0", "10.55.9.2/24");
        gw.setSysctl("net.ipv4.ip_forward", "1");
        NetworkState before = settled(gw);
        assertThat(gw.sysctl(accounting)).isEqualTo("0");
        Path profile = Files.writeString(dir.resolve("gw9.yaml"), """
                name: gw9
                filter:
                  rules: []
                  default: allow
                  gateway: [gw-c]
                """);
        long pid = upAndKill9(gw, profile, l -> l.startsWith("netext: filter") && l.contains("forwarded from gw-c"));
        assertThat(gw.sysctl(accounting)).as("left on by the killed instance").isEqualTo("1");
        diagnoseFindsAndFixes(gw, pid, before, "sysctl " + accounting + "=1 (was 0)", "NETEXT-FP-20056-FWD");
        assertThat(gw.sysctl(accounting)).isEqualTo("0");
    }

    /** A daemon running a filter, killed while it captures a flow: the flow layer's and the capture's leftovers. */
    @NetnsTest
    void aKilledDaemonsFilterAndCaptureAreErrorsAndFixRemovesThem(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("dk9"), s = lab.namespace("dk9s");
        lab.veth(VethEnd.of("dk9", "c-eth", "10.79.9.1/24"), VethEnd.of("dk9s", "s-eth", "10.79.9.2/24"));
        NetworkState before = settled(c);
        Path state = dir.resolve("state");
        Process curl = null;
        long pid;
        try (DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(dir.resolve("daemon")), "--state-dir", state.toString())) {
            d.startPromptingWeb();
            // the flow waits for an answer to its prompt, so the capture stays open until the kill
            curl = c.command("curl", "-sS", "--max-time", "30", "-H", "Host: www.prompt.test", "http://10.79.9.2:8080/").start();
            long id = FlowCaptureIntegrationTest.pausedFlow(d, "www.prompt.test");
            try (NetextProcess capture = NetextProcess.start(c, "capture", "--flow", Long.toString(id), "-w",
                    dir.resolve("k.pcapng").toString(), "--control", d.socket.toString())) {
                capture.awaitLine(l -> l.contains("capturing on flow " + id), START)
                        .orElseThrow(() -> new AssertionError("capture did not start:\n" + capture.output()));
                pid = d.process.pid();
                d.process.kill(); // no shutdown hook, no cleanup
                capture.waitFor(START);
            }
        } finally {
            if (curl != null) curl.destroyForcibly().waitFor();
        }
        assertThat(netfilter(c)).containsPattern("inet netext-capture-\\d+").contains("netext-flow");
        diagnoseFindsAndFixes(c, state, pid, before, "left nft table inet netext-capture-",
                "traffic is black-holed by ip route local default table 52101", "nft table inet netext-flow");
    }

    /**
     * A ledger with this namespace's inode but another namespace cookie (the namespace it was written in died and the
     * kernel gave its inode to this one) names the live flow layer's objects: --fix drops the ledger and touches
     * nothing here. The ledger sits in a state directory of its own, so only its cookie can protect the live objects.
     */
    @NetnsTest
    void aLedgerOfADeadNamespaceWithAReusedInodeNeverUndoesTheLiveNamespacesObjects(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("reuse");
        Path profile = dir.resolve("filter.yaml");
        Files.writeString(profile, "name: live\nfilter:\n  rules: []\n  default: allow\n");
        Path otherDir = dir.resolve("state");
        Files.createDirectories(otherDir);
        try (NetextProcess live = NetextProcess.start(ns, "up", profile.toString())) {
            assertThat(live.awaitLine(l -> l.contains("intercepting TCP"), START)).as(live.output()).isPresent();
            String liveState = netfilter(ns) + NetworkState.of(ns);
            assertThat(liveState).contains("netext-flow").contains("0x4e580f01");
            long cookie = ns.runInside(NetworkNamespace::currentCookie);
            Path stale = otherDir.resolve("flow-" + ns.inode() + "-999999.state");
            Files.writeString(stale, "owner pid=999999 start=1 netns=%d cookie=%d boot=%s\n".formatted(ns.inode(), cookie + 1,
                    ProcessInfo.bootId())
                    + "route dev=1 family=4 table=52101\n"
                    + "rule family=4 fwmark=1314393857 priority=10101 table=52101\n"
                    + "nft-table family=inet name=netext-flow\n");

            Result diagnosed = netext(ns, "diagnose", "--state-dir", otherDir.toString());
            assertThat(diagnosed.output()).as(diagnosed.output()).contains("belongs to a network namespace that no longer exists")
                    .doesNotContain("stale-ledger: stale netext state");
            Result fixed = netext(ns, "diagnose", "--fix", "--state-dir", otherDir.toString());
            assertThat(fixed.output()).as(fixed.output()).contains("fix: no dead netext instance left anything");
            assertThat(stale).doesNotExist();
            assertThat(netfilter(ns) + NetworkState.of(ns)).isEqualTo(liveState);
            assertThat(live.isAlive()).isTrue();
            assertThat(live.terminate(START)).isZero();
        }
        assertThat(netfilter(ns)).doesNotContain("netext-flow");
    }

    private static ExecResult dig(NetworkNamespace ns) throws Exception {
        return ns.run(Duration.ofSeconds(15), "dig", "@10.54.9.2", "+time=2", "+tries=1", "+short", "www.example");
    }
}
