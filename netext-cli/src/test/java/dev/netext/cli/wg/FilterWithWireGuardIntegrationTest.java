package dev.netext.cli.wg;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.wireguard.Key;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4, must show 6: a content filter and a packet tunnel at once, in one {@code netext up} profile. netext's
 * WireGuard ("nx") talks to Debian's wireguard-go ("go") over a veth; an HTTP server and a UDP echo listen on go's
 * tunnel address. With the filter intercepting every TCP and UDP flow of nx: the tunnel's own UDP (handshakes,
 * data) is never intercepted, allowed flows go through the tunnel (the server sees nx's tunnel address), a blocked
 * name is reset, ICMP through the tunnel keeps working, and stopping leaves neither interception nor tunnel behind.
 */
class FilterWithWireGuardIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String GO_OUTSIDE = "10.93.0.1", NX_OUTSIDE = "10.93.0.2";
    private static final String GO_INSIDE = "10.203.0.1", NX_INSIDE = "10.203.0.2";

    @TempDir
    Path dir;

    private final Key goKey = Key.generatePrivate();
    private final Key nxKey = Key.generatePrivate();

    private static ExecResult curl(NetworkNamespace ns, String host) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", host + ":8080:" + GO_INSIDE,
                "http://" + host + ":8080/");
    }

    private static String state(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "tables").output() + ns.ip("rule").output() + ns.ip("link").output();
    }

    @NetnsTest
    void filterAndWireGuardTunnelBothKeepWorking(NetnsLab lab) throws Exception {
        NetworkNamespace go = lab.namespace("go"), nx = lab.namespace("nx");
        lab.veth(VethEnd.of("go", "go-eth", GO_OUTSIDE + "/24"), VethEnd.of("nx", "nx-eth", NX_OUTSIDE + "/24"));
        String ifname = WireguardGo.uniqueName("wfx");
        Path conf = WireguardGo.clientConfig(dir, ifname, nxKey, NX_INSIDE, "", goKey, GO_INSIDE, GO_OUTSIDE);
        Path profile = dir.resolve("vpn-filter.yaml");
        Files.writeString(profile, """
                name: vpn-filter
                tunnel:
                  provider: wireguard
                  interface: %s
                  config: %s
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                """.formatted(ifname, conf.getFileName()));

        try (WireguardGo wg = WireguardGo.server(go, dir, goKey, nxKey, NX_INSIDE, GO_INSIDE)) {
            HelloHttpServer http = go.runInside(() -> HelloHttpServer.open(GO_INSIDE, 8080));
            UdpEchoServer echo = go.runInside(() -> UdpEchoServer.open(new InetSocketAddress(GO_INSIDE, 7007)));
            try (NetextProcess netext = NetextProcess.start(nx, "up", "--log", profile.toString())) {
                assertThat(netext.awaitLine(l -> l.startsWith("netext: filter") && l.contains("intercepting TCP"), START))
                        .as("netext output:\n%s", netext.output()).isPresent();
                netext.awaitConnected(START);

                // ICMP is not intercepted: a ping through the tunnel also proves the handshake got through
                ExecResult ping = nx.run(Duration.ofSeconds(20), "ping", "-c", "3", "-i", "0.2", "-W", "3", GO_INSIDE);
                assertThat(ping.exitCode()).as("ping:\n%s\nnetext:\n%s", ping.output(), netext.output()).isZero();

                ExecResult ok = curl(nx, "www.allowed.test");
                assertThat(ok.exitCode()).as("curl:\n%s\nnetext:\n%s", ok.output(), netext.output()).isZero();
                assertThat(ok.output()).contains("hello www.allowed.test:8080 from " + NX_INSIDE); // through the tunnel
                assertThat(netext.awaitLine(l -> l.contains("www.allowed.test (HTTP_HOST) by /usr/bin/curl"), START))
                        .as(netext.output()).isPresent();

                ExecResult blocked = curl(nx, "x.blocked.test");
                assertThat(blocked.exitCode()).as(blocked.output()).isEqualTo(56); // reset by the filter

                ExecResult udp = nx.run(Duration.ofSeconds(15), "sh", "-c", "echo udp-through-vpn | nc -u -w 2 " + GO_INSIDE + " 7007");
                assertThat(udp.output()).as(netext.output()).contains("udp-through-vpn");
                assertThat(netext.awaitLine(l -> l.contains("opened udp " + GO_INSIDE + ":7007 by /usr/bin/nc"), START))
                        .as(netext.output()).isPresent();
                // the tunnel's own datagrams to the peer were never flows of the filter
                assertThat(netext.output()).doesNotContain(GO_OUTSIDE + ":51820");
                assertThat(wg.show().output()).contains("latest handshake");

                assertThat(netext.terminate(START)).isZero();
            } finally {
                http.close();
                echo.close();
            }
        }
        assertThat(state(nx)).doesNotContain("netext-flow").doesNotContain(ifname);
    }
}
