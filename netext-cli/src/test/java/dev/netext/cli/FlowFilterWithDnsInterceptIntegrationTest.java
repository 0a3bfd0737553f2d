package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A profile with both {@code dns: { intercept: true }} and {@code filter:}: port 53 belongs to the DNS layer (its nat
 * redirect), every other UDP to the flow layer. dig asking a hard-coded resolver address that runs no DNS server is
 * answered by netext's DNS proxy, not relayed by the flow layer; plain UDP to the same address is a flow.
 */
class FlowFilterWithDnsInterceptIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void dnsStaysWithTheDnsLayerWhileOtherUdpIsFiltered(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host"), pub = lab.namespace("public"), nodns = lab.namespace("nodns");
        lab.veth("host", "to-pub", "10.54.2.1/24", "public", "pub0", "10.54.2.2/24");
        lab.veth("host", "to-nodns", "10.98.0.2/24", "nodns", "nodns0", "10.98.0.1/24");
        Dnsmasq.start(pub, "10.54.2.2", Dnsmasq.Mode.FORKING, 0, "--host-record=www.example,192.0.2.10");
        UdpEchoServer echo = nodns.runInside(() -> UdpEchoServer.open(new InetSocketAddress("10.98.0.1", 7)));
        Path profile = dir.resolve("both.yaml");
        Files.writeString(profile, """
                name: both
                dns:
                  listen: [127.0.0.1:5353]
                  intercept: true
                  servers: { public: 10.54.2.2 }
                  default: public
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                """);
        try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            assertThat(netext.awaitLine(l -> l.contains("intercepting TCP") && l.contains("UDP"), START))
                    .as(netext.output()).isPresent();
            assertThat(netext.awaitLine(l -> l.contains("dns both serving on"), START)).as(netext.output()).isPresent();
            ExecResult udp = dig(host, "www.example");
            assertThat(udp.output().strip()).as(netext.output()).isEqualTo("192.0.2.10");
            assertThat(dig(host, "+tcp", "www.example").output().strip()).isEqualTo("192.0.2.10");
            // other UDP to the same address is the flow layer's
            ExecResult nc = host.run(Duration.ofSeconds(15), "sh", "-c", "echo not-dns | nc -u -w 2 10.98.0.1 7");
            assertThat(nc.output()).contains("not-dns");
            assertThat(netext.awaitLine(l -> l.contains("opened udp 10.98.0.1:7 by /usr/bin/nc"), START)).as(netext.output()).isPresent();
            // neither the query (port 53) nor the DNS proxy's upstream query (its own mark) became a flow
            assertThat(netext.output()).doesNotContain("opened udp 10.98.0.1:53").doesNotContain("opened udp 10.54.2.2:53")
                    .doesNotContain("opened tcp 10.98.0.1:53");
            assertThat(host.run("nft", "list", "table", "inet", "netext-flow").output())
                    .contains("meta l4proto { tcp, udp } th dport 53 return");
            assertThat(netext.terminate(START)).isZero();
        } finally {
            echo.close();
        }
        assertThat(host.run("nft", "list", "tables").output()).doesNotContain("netext-flow").doesNotContain("netext-dns");
    }

    private static ExecResult dig(NetworkNamespace ns, String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of("dig", "@10.98.0.1", "+time=3", "+tries=1", "+short"));
        cmd.addAll(java.util.List.of(args));
        return ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new));
    }
}
