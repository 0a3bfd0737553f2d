package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up} with {@code filter: { gateway: [gw-c] }} in a gateway namespace that a client namespace routes
 * through: the client's curl is filtered by name at the gateway; teardown is complete on SIGTERM and, after
 * {@code kill -9}, at the next start.
 */
class GatewayFilterIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static String interception(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "ruleset").output() + ns.ip("rule").output() + ns.ip("-6", "rule").output()
                + ns.ip("route", "show", "table", "52101").output() + ns.ip("-6", "route", "show", "table", "52101").output();
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
    void gatewayFiltersAClientsTrafficByNameAndLeavesNothingAfterKill9(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("client"), gw = lab.namespace("gw"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-gw", "10.82.1.2/24"), VethEnd.of("gw", "gw-c", "10.82.1.1/24"));
        lab.veth(VethEnd.of("gw", "gw-s", "10.82.2.1/24"), VethEnd.of("server", "s-gw", "10.82.2.2/24"));
        c.ip("route", "add", "default", "via", "10.82.1.1").orThrow();
        s.ip("route", "add", "default", "via", "10.82.2.1").orThrow();
        gw.setSysctl("net.ipv4.ip_forward", "1");
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open("10.82.2.2", 8080));
        Path profile = dir.resolve("gateway.yaml");
        Files.writeString(profile, """
                name: gateway
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                  gateway: [gw-c]
                """);
        try {
            assertThat(curl(c, "before.test").output()).contains("hello before.test"); // plain routing first
            assertThat(http.lastPeer()).isEqualTo("10.82.1.2");
            NetextProcess netext = up(gw, profile);
            try {
                ExecResult ok = curl(c, "www.allowed.test");
                assertThat(ok.output()).as(netext.output()).contains("hello www.allowed.test:8080");
                assertThat(http.lastPeer()).isEqualTo("10.82.2.1"); // relayed by the gateway's flow engine
                ExecResult blocked = curl(c, "x.blocked.test");
                assertThat(blocked.exitCode()).as(blocked.output()).isIn(52, 56);
                assertThat(netext.awaitLine(l -> l.contains("opened tcp 10.82.2.2:8080 x.blocked.test (HTTP_HOST)"), START))
                        .as(netext.output()).isPresent();
                assertThat(interception(gw)).contains("iifname \"gw-c\"").contains("0x4e580f01");
                netext.kill(); // kill -9: the table, rules and routes stay until the next start
                assertThat(interception(gw)).contains("netext-flow");
            } finally {
                netext.close();
            }
            NetextProcess second = up(gw, profile);
            try {
                assertThat(second.output()).contains("removed what a crashed filter");
                assertThat(curl(c, "again.allowed.test").output()).contains("hello again.allowed.test");
                assertThat(second.terminate(START)).isZero();
            } finally {
                second.close();
            }
            assertThat(interception(gw)).doesNotContain("netext-flow").doesNotContain("0x4e580f01").doesNotContain("gw-c");
            assertThat(curl(c, "x.blocked.test").output()).contains("hello x.blocked.test"); // a plain router again
            assertThat(http.lastPeer()).isEqualTo("10.82.1.2");
        } finally {
            http.close();
        }
    }
}
