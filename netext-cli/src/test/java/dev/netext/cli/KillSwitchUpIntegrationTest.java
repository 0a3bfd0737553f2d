package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kill switch's keys under {@code netext up} (a pong tunnel): {@code enforce-routes} against a more specific LAN
 * route, and a kill switch a {@code kill -9}ed {@code up} left, removed by the next start.
 */
class KillSwitchUpIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30), STOP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Path profile(String name, String keys) throws Exception {
        return Files.writeString(dir.resolve(name + ".yaml"), """
                name: %s
                tunnel:
                  provider: pong
                  interface: nxk0
                %s
                  settings:
                    addresses: [10.20.255.1/16]
                    routes: [10.20.0.0/16]
                """.formatted(name, keys));
    }

    /** The device the kernel picks for {@code address} from {@code ns} ({@code ip route get}). */
    private static String deviceFor(NetworkNamespace ns, String address) throws Exception {
        String out = ns.ip("route", "get", address).orThrow().output();
        return out.replaceAll("(?s).* dev (\\S+).*", "$1");
    }

    private static long echoRequests(NetworkNamespace ns) throws Exception {
        String out = ns.run("nft", "list", "chain", "inet", "count", "in").orThrow().output();
        return Long.parseLong(out.replaceAll("(?s).*counter packets (\\d+).*", "$1"));
    }

    /** A /24 on the LAN veth inside the tunnel's /16: the LAN wins by prefix length, unless the routes are enforced. */
    @NetnsTest
    void enforceRoutesMakesTheTunnelsRouteWinOverAMoreSpecificLanRoute(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("er");
        lab.namespace("erlan");
        lab.veth("er", "er-lan", "10.20.5.2/24", "erlan", "lan-eth", "10.20.5.1/24");
        lab.get("erlan").run("nft", "add table inet count; add chain inet count in { type filter hook input priority 0; };"
                + " add rule inet count in icmp type echo-request counter").orThrow();
        try (NetextProcess up = NetextProcess.up(ns, profile("plain", ""))) {
            up.awaitConnected(START);
            assertThat(deviceFor(ns, "10.20.5.1")).isEqualTo("er-lan");
            assertThat(deviceFor(ns, "10.20.6.1")).isEqualTo("nxk0");
            ExecResult ping = ns.run(Duration.ofSeconds(15), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.20.5.1");
            assertThat(ping.exitCode()).as(ping.output()).isZero();
            assertThat(up.terminate(STOP)).isZero();
        }
        long lanBefore = echoRequests(lab.get("erlan"));
        assertThat(lanBefore).as("the LAN peer answered while the LAN route won").isEqualTo(2);
        try (NetextProcess up = NetextProcess.up(ns, profile("enforced", "  enforce-routes: true"))) {
            up.awaitConnected(START);
            assertThat(deviceFor(ns, "10.20.5.1")).isEqualTo("nxk0");
            // pong answers it: the echo came back through the tunnel, not from the LAN peer
            ExecResult ping = ns.run(Duration.ofSeconds(15), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.20.5.1");
            assertThat(ping.exitCode()).as(ping.output()).isZero();
            assertThat(echoRequests(lab.get("erlan"))).as("echo requests that reached the LAN peer").isEqualTo(lanBefore);
            assertThat(up.terminate(STOP)).isZero();
        }
        assertThat(deviceFor(ns, "10.20.5.1")).isEqualTo("er-lan");
    }

    @NetnsTest
    void aKillSwitchAKilledUpLeftStaysUntilNetextStartsAgain(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("ku");
        lab.namespace("kupeer");
        lab.veth("ku", "ku-eth", "192.0.2.2/24", "kupeer", "peer-eth", "192.0.2.1/24");
        ns.addDefaultRoute("192.0.2.1");
        lab.get("kupeer").ip("addr", "add", "198.51.100.7/32", "dev", "lo");
        ExecResult direct = ns.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", "198.51.100.7");
        assertThat(direct.exitCode()).as(direct.output()).isZero();
        try (NetextProcess up = NetextProcess.up(ns, profile("guarded", "  include-all-networks: true"))) {
            assertThat(up.awaitLine(l -> l.contains("kill switch of guarded on"), START)).isPresent();
            up.awaitConnected(START);
            assertThat(ns.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", "198.51.100.7").exitCode()).isNotZero();
            up.kill();
        }
        assertThat(ns.run("nft", "list", "tables").orThrow().output()).contains("netext-killswitch");
        assertThat(ns.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", "198.51.100.7").exitCode())
                .as("fail closed after kill -9").isNotZero();
        try (NetextProcess up = NetextProcess.up(ns, profile("plain", ""))) {
            assertThat(up.awaitLine(l -> l.contains("removed what a crashed kill switch"), START)).as(up.output()).isPresent();
            up.awaitConnected(START);
            assertThat(ns.run("nft", "list", "tables").orThrow().output()).doesNotContain("netext-killswitch");
            ExecResult again = ns.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", "198.51.100.7");
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(up.terminate(STOP)).isZero();
        }
    }
}
