package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up --log} with a {@code filter:} section, as a child JVM in a "client" namespace; curl reaches an
 * HTTP server in a "server" namespace by address only. Allowed and blocked names, the flow log naming curl, and
 * teardown — clean on SIGTERM, and by the next start after {@code kill -9}.
 */
class FlowFilterIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static String interception(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "tables").output() + ns.ip("rule").output() + ns.ip("-6", "rule").output()
                + ns.ip("route", "show", "table", "52101").output() + ns.ip("-6", "route", "show", "table", "52101").output();
    }

    private static NetextProcess up(NetworkNamespace ns, Path profile) throws Exception {
        NetextProcess p = NetextProcess.start(ns, "up", "--log", profile.toString());
        assertThat(p.awaitLine(l -> l.startsWith("netext: filter") && l.contains("intercepting TCP"), START)).as("netext output:\n%s", p.output()).isPresent();
        return p;
    }

    private static ExecResult curl(NetworkNamespace ns, String host) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", host + ":8080:10.78.0.2",
                "http://" + host + ":8080/");
    }

    @NetnsTest
    void upFiltersByNameAndLeavesNothingAfterSigtermOrKill9(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-eth", "10.78.0.1/24"), VethEnd.of("server", "s-eth", "10.78.0.2/24"));
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open("10.78.0.2", 8080));
        UdpEchoServer echo = s.runInside(() -> UdpEchoServer.open(new InetSocketAddress("10.78.0.2", 7007)));
        Path profile = dir.resolve("flows.yaml");
        Files.writeString(profile, """
                name: flows
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                    - { process: /usr/bin/wget, action: drop }
                  default: allow
                  prompt-timeout: 30s
                  prompt-default: drop
                """);
        try {
            NetextProcess netext = up(c, profile);
            try {
                ExecResult ok = curl(c, "www.allowed.test");
                assertThat(ok.exitCode()).as(ok.output()).isZero();
                assertThat(ok.output()).contains("hello www.allowed.test:8080");
                long t0 = System.nanoTime();
                ExecResult blocked = curl(c, "x.blocked.test");
                assertThat(blocked.exitCode()).isEqualTo(56); // recv failure: connection reset by peer
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
                assertThat(netext.awaitLine(l -> l.contains("x.blocked.test (HTTP_HOST) by /usr/bin/curl"), START))
                        .as(netext.output()).isPresent();
                assertThat(netext.awaitLine(l -> l.contains("verdict Drop[mode=RESET]"), START)).isPresent();
                assertThat(netext.awaitLine(l -> l.contains("www.allowed.test (HTTP_HOST) by /usr/bin/curl pid"), START)).isPresent();
                assertThat(interception(c)).contains("netext-flow").contains("0x4e580f01");
                // UDP too: nc's datagram reaches the echo and the answer comes back from the address nc wrote to
                ExecResult udp = c.run(Duration.ofSeconds(15), "sh", "-c", "echo udp-through-netext | nc -u -w 2 10.78.0.2 7007");
                assertThat(udp.output()).as(netext.output()).contains("udp-through-netext");
                assertThat(netext.awaitLine(l -> l.contains("opened udp 10.78.0.2:7007 by /usr/bin/nc"), START))
                        .as(netext.output()).isPresent();
                assertThat(c.run("nft", "list", "table", "inet", "netext-flow").output()).contains("meta l4proto udp tproxy ip to");

                netext.kill(); // kill -9: the table, rules and routes stay until the next start
                assertThat(interception(c)).contains("netext-flow");
            } finally {
                netext.close();
            }
            NetextProcess second = up(c, profile);
            try {
                assertThat(second.output()).contains("removed what a crashed filter");
                assertThat(curl(c, "again.allowed.test").output()).contains("hello again.allowed.test");
                assertThat(c.run(Duration.ofSeconds(15), "sh", "-c", "echo udp-again | nc -u -w 2 10.78.0.2 7007").output())
                        .contains("udp-again");
                assertThat(second.terminate(START)).isZero();
            } finally {
                second.close();
            }
            assertThat(interception(c)).doesNotContain("netext-flow").doesNotContain("0x4e580f01");
            assertThat(curl(c, "x.blocked.test").exitCode()).isZero(); // no filter now: direct
        } finally {
            http.close();
            echo.close();
        }
    }
}
