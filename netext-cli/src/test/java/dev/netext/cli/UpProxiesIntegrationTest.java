package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.ProxyTopology;
import dev.netext.lab.peers.Danted;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.PeerEcho;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up --log} with the issue's {@code proxies:} contract and no {@code filter:} section, as a child JVM in
 * a "client" namespace. {@code corp} is a real SOCKS5 server (microsocks) in a "socks" namespace; the origin (an HTTP
 * server answering with the peer address it saw) is reached by the client and by the SOCKS server over links of their
 * own. A flow corp claims arrives from the SOCKS server; one corp excludes ({@code port: 22}) and {@code web} does not
 * match goes direct.
 */
class UpProxiesIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** Namespaces client, socks (microsocks), origin (HTTP on 10.81.9.2:8080 and :22); returns the HTTP servers. */
    private static HelloHttpServer[] topology(NetnsLab lab) throws Exception {
        HostPackages.require("microsocks");
        ProxyTopology t = ProxyTopology.create(lab, "10.81");
        NetworkNamespace c = t.client(), socks = t.socks(), origin = t.origin();
        socks.exec("/usr/bin/microsocks", "-i", "10.81.2.2", "-p", "1080");
        HelloHttpServer[] servers = new HelloHttpServer[2];
        int[] ports = {8080, 22};
        for (int i = 0; i < 2; i++) {
            int port = ports[i];
            servers[i] = origin.runInside(() -> HelloHttpServer.open("10.81.9.2", port));
        }
        for (int i = 0; i < 100 && !socks.run("ss", "-Htln", "sport = :1080").output().contains(":1080"); i++) Thread.sleep(50);
        return servers;
    }

    private static final String PROFILE = """
            name: proxied
            proxies:
              - { name: corp, order: 1, type: socks5, server: "10.81.2.2:1080", include: [{ host: "*.corp.example" }, { cidr: 10.81.9.0/24 }], exclude: [{ port: 22 }] }
              - { name: web,  order: 2, type: http,   server: "10.81.4.2:3128", include: [{ port: 443 }], apps: [{ uid: 1000 }] }
            """;

    private static ExecResult get(NetworkNamespace c, int port) throws Exception {
        return c.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "http://10.81.9.2:" + port + "/");
    }

    @NetnsTest
    void proxiesOnlyProfileInterceptsAndRoutesByOrderAndRules(NetnsLab lab) throws Exception {
        HelloHttpServer[] servers = topology(lab);
        NetworkNamespace c = lab.get("client");
        Path profile = dir.resolve("proxied.yaml");
        Files.writeString(profile, PROFILE);
        try {
            NetextProcess netext = NetextProcess.start(c, "up", "--log", profile.toString());
            try {
                assertThat(netext.awaitLine(l -> l.startsWith("netext: filter") && l.contains("intercepting TCP"), START))
                        .as("netext output:\n%s", netext.output()).isPresent();
                assertThat(netext.awaitLine(l -> l.startsWith("netext: proxy corp (order 1)"), START)).isPresent();
                assertThat(netext.awaitLine(l -> l.startsWith("netext: proxy web (order 2) offered the flows of 1 app rule(s)"), START)).isPresent();

                ExecResult viaSocks = get(c, 8080);
                assertThat(viaSocks.exitCode()).as(viaSocks.output()).isZero();
                assertThat(viaSocks.output()).endsWith(" from 10.81.3.1"); // microsocks' link, not the client's
                assertThat(netext.awaitLine(l -> l.matches("flow \\d+ proxy corp claim"), START)).as(netext.output()).isPresent();
                assertThat(netext.awaitLine(l -> l.matches("flow \\d+ route proxy corp"), START)).isPresent();

                ExecResult direct = get(c, 22);
                assertThat(direct.exitCode()).as(direct.output()).isZero();
                assertThat(direct.output()).endsWith(" from 10.81.1.1");
                assertThat(netext.awaitLine(l -> l.matches("flow \\d+ route direct"), START)).as(netext.output()).isPresent();
                assertThat(netext.output()).doesNotContain("proxy web claim");

                assertThat(netext.terminate(START)).isZero();
            } finally {
                netext.close();
            }
            assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
            assertThat(c.ip("rule").output()).doesNotContain("0x4e580f01");
            // no proxy now: the same flow goes direct
            assertThat(get(c, 8080).output()).endsWith(" from 10.81.1.1");
        } finally {
            for (HelloHttpServer h : servers) if (h != null) h.close();
        }
    }

    /** The same profile under the daemon: its flow component starts for proxies alone; routes are exported events. */
    @NetnsTest
    void theDaemonRunsAProxiesOnlyProfile(NetnsLab lab) throws Exception {
        HelloHttpServer[] servers = topology(lab);
        NetworkNamespace c = lab.get("client");
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            d.profile("proxied.yaml", PROFILE);
            NetextProcess reload = d.cli("reload");
            assertThat(reload.waitFor(START)).as(reload.output()).isZero();
            JsonNode comp = d.awaitComponent("proxied", n -> n.path("status").asText().equals("connected"), START);
            assertThat(comp.path("kind").asText()).isEqualTo("filter");
            assertThat(comp.path("detail").asText()).contains("2 proxies");
            assertThat(get(c, 8080).output()).endsWith(" from 10.81.3.1");
            assertThat(get(c, 22).output()).endsWith(" from 10.81.1.1");
            List<String> routes = new java.util.ArrayList<>();
            for (int i = 0; i < 100 && routes.size() < 2; i++) {
                routes = d.exportedEvents().stream().filter(e -> e.path("type").asText().equals("FlowVerdict")
                                && e.path("verdict").path("kind").asText().equals("ProxyRoute"))
                        .map(e -> e.path("verdict").path("detail").asText()).toList();
                Thread.sleep(50);
            }
            assertThat(routes).containsExactly("proxy corp", "direct");
            assertThat(d.stop()).isZero();
        } finally {
            for (HelloHttpServer h : servers) if (h != null) h.close();
        }
        assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
    }

    /**
     * A proxies-only profile whose SOCKS5 proxy carries UDP: {@code netext up} intercepts UDP too, and a UDP echo the
     * proxy's rules select goes through dante's UDP relay (the echo names dante's address); one they do not select
     * goes direct. Namespaces: client, socks (danted 10.81.2.2:1080 → external 10.81.3.1), origin (a Python UDP echo
     * on 10.81.9.2, ports 7777 and 7778, answering with the peer it saw).
     */
    @NetnsTest
    void proxiesOnlyProfileCarriesUdpThroughDante(NetnsLab lab) throws Exception {
        HostPackages.require("danted");
        ProxyTopology t = ProxyTopology.create(lab, "10.81");
        NetworkNamespace c = t.client(), socks = t.socks(), origin = t.origin();
        Danted.start(socks, dir, "10.81.2.2", "10.81.3.1", "10.81.2.0/24");
        PeerEcho.start(origin, "10.81.9.2", "echo to {peer}: ", 7777, 7778);
        Path profile = dir.resolve("udp-proxied.yaml");
        Files.writeString(profile, """
                name: udp-proxied
                proxies:
                  - { name: corp, order: 1, type: socks5, server: "10.81.2.2:1080", include: [{ protocol: udp, port: 7777 }] }
                """);
        NetextProcess netext = NetextProcess.start(c, "up", "--log", profile.toString());
        try {
            assertThat(netext.awaitLine(l -> l.startsWith("netext: filter") && l.contains("UDP (tproxy"), START))
                    .as("netext output:\n%s", netext.output()).isPresent();
            ExecResult viaSocks = PeerEcho.ask(c, "10.81.9.2", 7777, "via dante");
            assertThat(viaSocks.exitCode()).as(viaSocks.output() + "\n" + netext.output() + "\n"
                    + Files.readString(dir.resolve("danted.log"))).isZero();
            assertThat(viaSocks.output().strip()).isEqualTo("echo to 10.81.3.1: via dante"); // dante's external address
            assertThat(netext.awaitLine(l -> l.matches("flow \\d+ route proxy corp"), START)).as(netext.output()).isPresent();
            ExecResult direct = PeerEcho.ask(c, "10.81.9.2", 7778, "direct");
            assertThat(direct.exitCode()).as(direct.output()).isZero();
            assertThat(direct.output().strip()).isEqualTo("echo to 10.81.1.1: direct");
            assertThat(netext.terminate(START)).isZero();
        } finally {
            netext.close();
        }
        assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
    }
}
