package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up} with {@code filter: { gateway: [gw-c] }} in a gateway namespace that a client namespace routes
 * through: the client's curl is filtered by name at the gateway, on the fast path (allowed flows forwarded by the
 * kernel); {@code kill -9} leaves allowed flows talking and new ones to the profile's {@code on-failure}; teardown is
 * complete on SIGTERM and, after {@code kill -9}, at the next start (iptables chains included, and conntrack
 * accounting, which the fast path turns on for forwarded flows' bytes, back to 0: had a start not restored it, the
 * next would find it on, record nothing, and leave it on).
 */
class GatewayFilterIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String SERVER = "10.82.2.2";
    private static final String ACCOUNTING = "net.netfilter.nf_conntrack_acct";

    @TempDir
    Path dir;

    private static String interception(NetworkNamespace ns) throws Exception {
        StringBuilder iptables = new StringBuilder();
        for (String cmd : List.of("iptables", "ip6tables"))
            for (String table : List.of("filter", "mangle")) iptables.append(ns.run(cmd, "-t", table, "-S").output());
        return ns.run("nft", "list", "ruleset").output() + ns.ip("rule").output() + ns.ip("-6", "rule").output()
                + ns.ip("route", "show", "table", "52101").output() + ns.ip("-6", "route", "show", "table", "52101").output()
                + iptables;
    }

    private static ExecResult curl(NetworkNamespace ns, String host) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", host + ":8080:10.82.2.2",
                "http://" + host + ":8080/");
    }

    private static NetextProcess up(NetworkNamespace ns, Path profile) throws Exception {
        NetextProcess p = NetextProcess.start(ns, "up", "--log", profile.toString());
        assertThat(p.awaitLine(l -> l.startsWith("netext: filter") && l.contains("forwarded from gw-c"), START))
                .as("netext output:\n%s", p.output()).isPresent();
        return p;
    }

    @NetnsTest
    void gatewayFiltersAClientsTrafficByNameOnTheFastPathAndLeavesNothingAfterKill9(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("client"), gw = lab.namespace("gw"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-gw", "10.82.1.2/24"), VethEnd.of("gw", "gw-c", "10.82.1.1/24"));
        lab.veth(VethEnd.of("gw", "gw-s", "10.82.2.1/24"), VethEnd.of("server", "s-gw", "10.82.2.2/24"));
        c.ip("route", "add", "default", "via", "10.82.1.1").orThrow();
        s.ip("route", "add", "default", "via", "10.82.2.1").orThrow();
        gw.setSysctl("net.ipv4.ip_forward", "1");
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open("10.82.2.2", 8080));
        FastPathTalkers.serveEchoes(s, SERVER);
        try {
            assertThat(curl(c, "before.test").output()).contains("hello before.test"); // plain routing first
            assertThat(http.lastPeer()).isEqualTo("10.82.1.2");
            assertThat(gw.sysctl(ACCOUNTING)).isEqualTo("0");

            // on-failure allow (the default): judged on the fast path; after kill -9 the allowed flows talk on and
            // new ones pass unjudged
            NetextProcess netext = up(gw, profile("allow"));
            try {
                ExecResult ok = curl(c, "www.allowed.test");
                assertThat(ok.output()).as(netext.output()).contains("hello www.allowed.test:8080");
                assertThat(http.lastPeer()).as("forwarded by the kernel, not relayed").isEqualTo("10.82.1.2");
                ExecResult blocked = curl(c, "x.blocked.test");
                assertThat(blocked.exitCode()).as(blocked.output()).isIn(52, 56);
                assertThat(netext.awaitLine(l -> l.contains("opened tcp 10.82.2.2:8080 x.blocked.test (HTTP_HOST)"), START))
                        .as(netext.output()).isPresent();
                assertThat(interception(gw)).contains("iifname \"gw-c\"").contains("0x4e580f01")
                        .contains("-A PREROUTING -i gw-c -j NETEXT-FP-20056-FWD");
                assertThat(gw.sysctl(ACCOUNTING)).isEqualTo("1");
                talkThroughKill(c, netext);
                assertThat(gw.sysctl(ACCOUNTING)).as("kill -9 leaves it on").isEqualTo("1");
                assertThat(interception(gw)).contains("netext-flow").contains("NETEXT-FP-20056-FWD");
                assertThat(curl(c, "y.blocked.test").output()).as("fail-open: a new flow passes unjudged")
                        .contains("hello y.blocked.test");
            } finally {
                netext.close();
            }

            // on-failure drop: the next start undoes the dead one's chains first; after its kill new flows are dropped
            NetextProcess second = up(gw, profile("drop"));
            try {
                assertThat(second.output()).contains("removed what a crashed filter");
                assertThat(curl(c, "again.allowed.test").output()).contains("hello again.allowed.test");
                talkThroughKill(c, second);
                ExecResult refused = c.run(Duration.ofSeconds(10), "curl", "-s", "--max-time", "3",
                        "http://10.82.2.2:8080/");
                assertThat(refused.exitCode()).as("fail-closed: a new flow's SYN is dropped").isEqualTo(28);
                assertThat(FastPathTalkers.talkUdpNow(c, SERVER, 0.5).output())
                        .as("fail-closed: a new UDP flow's datagram is dropped").contains("timeout after 0");
            } finally {
                second.close();
            }

            NetextProcess third = up(gw, profile("drop"));
            try {
                assertThat(third.output()).contains("removed what a crashed filter");
                assertThat(curl(c, "third.allowed.test").output()).contains("hello third.allowed.test");
                assertThat(third.terminate(START)).isZero();
            } finally {
                third.close();
            }
            assertThat(interception(gw)).doesNotContain("netext-flow").doesNotContain("0x4e580f01").doesNotContain("gw-c")
                    .doesNotContain("NETEXT-FP");
            assertThat(gw.sysctl(ACCOUNTING)).as("as before the first start").isEqualTo("0");
            assertThat(curl(c, "x.blocked.test").output()).contains("hello x.blocked.test"); // a plain router again
            assertThat(http.lastPeer()).isEqualTo("10.82.1.2");
        } finally {
            http.close();
        }
    }

    /** A TCP and a UDP flow through the gateway, judged, then {@code kill -9}: both keep talking (the kernel's now). */
    private static void talkThroughKill(NetworkNamespace client, NetextProcess netext) throws Exception {
        long verdicts = netext.output().lines().filter(l -> l.contains(" verdict ")).count();
        CompletableFuture<ExecResult> tcp = FastPathTalkers.talk(client, SERVER), udp = FastPathTalkers.talkUdp(client, SERVER, 6);
        FastPathTalkers.awaitJudged(netext, (int) verdicts + 2, START);
        netext.kill();
        assertThat(netext.isAlive()).isFalse();
        for (ExecResult talked : List.of(tcp.get(20, TimeUnit.SECONDS), udp.get(20, TimeUnit.SECONDS))) {
            assertThat(talked.exitCode()).as(talked.output() + "\n" + netext.output()).isZero();
            assertThat(talked.output()).contains("echoed");
            assertThat(Integer.parseInt(talked.output().strip().split("\\s+")[1])).isGreaterThan(30);
        }
    }

    private Path profile(String onFailure) throws Exception {
        return Files.writeString(dir.resolve("gateway-" + onFailure + ".yaml"), """
                name: gateway
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                  gateway: [gw-c]
                  on-failure: %s
                """.formatted(onFailure));
    }
}
