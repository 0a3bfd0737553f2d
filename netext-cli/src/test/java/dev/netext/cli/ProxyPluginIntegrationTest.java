package dev.netext.cli;

import com.sun.net.httpserver.HttpServer;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.PeerEcho;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A custom proxy class compiled into a plugin jar by the test, named in a profile's {@code proxies:} section and run
 * by {@code netext up} in a client namespace: {@code test.RelayProxy} claims the flows its rules select and relays
 * each, rewriting nothing, to one fixed upstream ({@code settings: { upstream: … }}) through
 * {@code ProxyContext.openTcp}. Real curl against HTTP servers in an origin namespace that answer with their own port
 * and the peer they saw: a claimed flow to port 8080 is answered by the fixed upstream on 9090; port 9090 is in the
 * proxy's rules too, so if the provider's own upstream connection were intercepted it would loop back to it. A flow
 * to port 8081 makes the provider throw: that flow is reset, the failure reported, the provider restarted, and later
 * flows relayed again. Port 8082 is not selected: direct.
 */
class ProxyPluginIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RELAY_PROXY = """
            package test;
            import dev.netext.api.flow.Flow;
            import dev.netext.api.flow.TransportProtocol;
            import dev.netext.api.proxy.*;
            import dev.netext.api.tunnel.StopReason;
            import java.nio.ByteBuffer;
            import java.util.Map;
            public class RelayProxy implements TransparentProxyProvider {
                private ProxyContext context;
                private String host, udpHost;
                private int port, crashPort, udpPort;
                @Override public void startProxy(ProxyContext context, Map<String, Object> options) {
                    this.context = context;
                    String[] upstream = ((String) options.get("upstream")).split(":");
                    host = upstream[0];
                    port = Integer.parseInt(upstream[1]);
                    crashPort = ((Number) options.getOrDefault("crash-port", 0)).intValue();
                    String[] udp = ((String) options.get("udp-upstream")).split(":");
                    udpHost = udp[0];
                    udpPort = Integer.parseInt(udp[1]);
                }
                @Override public void stopProxy(StopReason reason) {}
                @Override public ClaimDecision handleNewFlow(Flow flow) { return ClaimDecision.CLAIM; }
                @Override public void handleUdpFlow(ProxiedUdpFlow flow) throws Exception {
                    try (UdpSession up = context.openUdp(udpHost, udpPort)) {
                        Thread back = Thread.ofVirtual().start(() -> {
                            ByteBuffer b = ByteBuffer.allocate(65536);
                            try {
                                while (true) {
                                    int n = up.receive(b.clear(), java.time.Duration.ofMillis(500));
                                    if (Thread.currentThread().isInterrupted()) return;
                                    if (n >= 0) flow.send(new Datagram(flow.originalDestination(), b.flip()));
                                }
                            } catch (Exception e) {
                                // the flow ended
                            }
                        });
                        java.util.Optional<Datagram> d;
                        while ((d = flow.receive()).isPresent()) up.send(d.get().payload());
                        back.interrupt();
                        back.join();
                    }
                }
                @Override public void handleTcpFlow(ProxiedTcpFlow flow) throws Exception {
                    if (flow.originalDestination().port() == crashPort)
                        throw new IllegalStateException("crash on purpose for port " + crashPort);
                    try (TcpConnection up = context.openTcp(host, port)) {
                        Thread toUpstream = Thread.ofVirtual().start(() -> {
                            ByteBuffer b = ByteBuffer.allocate(16384);
                            try {
                                while (flow.read(b.clear()) >= 0) up.write(b.flip());
                                up.shutdownOutput();
                            } catch (Exception e) {
                                up.close();
                            }
                        });
                        ByteBuffer b = ByteBuffer.allocate(16384);
                        while (up.read(b.clear()) >= 0) flow.write(b.flip());
                        flow.shutdownOutput();
                        toUpstream.join();
                    }
                }
            }
            """;

    @TempDir
    Path dir;

    private static List<HttpServer> servers(NetworkNamespace s, int... ports) throws Exception {
        List<HttpServer> out = new ArrayList<>();
        for (int port : ports) {
            out.add(s.runInside(() -> {
                HttpServer h = HttpServer.create(new InetSocketAddress("10.82.1.2", port), 16);
                h.createContext("/", ex -> {
                    byte[] body = ("port " + port + ", seen from " + ex.getRemoteAddress().getAddress().getHostAddress())
                            .getBytes(StandardCharsets.US_ASCII);
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                });
                h.start();
                return h;
            }));
        }
        return out;
    }

    private static ExecResult curl(NetworkNamespace ns, int port) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "http://10.82.1.2:" + port + "/");
    }

    @NetnsTest
    void netextUpRunsAProxyClassFromAPluginJarThatRelaysToAFixedUpstream(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("ppc"), s = lab.namespace("pps");
        lab.veth(VethEnd.of("ppc", "c-eth", "10.82.1.1/24"), VethEnd.of("pps", "s-eth", "10.82.1.2/24"));
        List<HttpServer> http = servers(s, 8080, 8082, 9090);
        PeerEcho.start(s, "10.82.1.2", "udp port {port}, seen from {peer}: ", 7777, 7778, 9999);
        Path profile = dir.resolve("relay.yaml");
        ProviderJar.write(dir.resolve("plugins/relay-proxy.jar"), "test.RelayProxy", RELAY_PROXY);
        Files.writeString(profile, """
                name: relay-up
                proxies:
                  - name: relay
                    order: 3
                    type: test.RelayProxy
                    settings: { upstream: "10.82.1.2:9090", crash-port: 8081, udp-upstream: "10.82.1.2:9999" }
                    include: [{ port: 8080 }, { port: 8081 }, { port: 9090 }, { protocol: udp, port: 7777 }, { protocol: udp, port: 9999 }]
                """);
        try (NetextProcess up = NetextProcess.start(c, "up", "--log", profile.toString())) {
            assertThat(up.awaitLine(l -> l.startsWith("netext: proxy relay (order 3)"), WAIT)).as(up.output()).isPresent();

            ExecResult relayed = curl(c, 8080);
            assertThat(relayed.exitCode()).as(relayed.output() + "\n" + up.output()).isZero();
            // answered by the fixed upstream, reached from the client namespace by the provider's own connection
            assertThat(relayed.output()).isEqualTo("port 9090, seen from 10.82.1.1");
            assertThat(up.awaitLine(l -> l.matches("flow \\d+ proxy relay claim"), WAIT)).as(up.output()).isPresent();
            assertThat(up.awaitLine(l -> l.matches("flow \\d+ route proxy relay"), WAIT)).isPresent();

            ExecResult crashed = curl(c, 8081);
            assertThat(crashed.exitCode()).as(crashed.output()).isNotZero();
            assertThat(up.awaitLine(l -> l.startsWith("netext: proxy relay failed: ") && l.contains("handleTcpFlow threw")
                    && l.contains("crash on purpose for port 8081") && l.endsWith("(restarting)"), WAIT)).as(up.output()).isPresent();
            assertThat(up.awaitLine(l -> l.equals("netext: proxy relay restarted (attempt 1)"), WAIT)).as(up.output()).isPresent();

            ExecResult again = curl(c, 8080);
            assertThat(again.exitCode()).as(again.output() + "\n" + up.output()).isZero();
            assertThat(again.output()).isEqualTo("port 9090, seen from 10.82.1.1");

            // UDP: the provider relays the flow's datagrams to the fixed UDP upstream, through ProxyContext.openUdp
            ExecResult udp = PeerEcho.ask(c, "10.82.1.2", 7777, "hello udp");
            assertThat(udp.exitCode()).as(udp.output() + "\n" + up.output()).isZero();
            assertThat(udp.output().strip()).isEqualTo("udp port 9999, seen from 10.82.1.1: hello udp");
            ExecResult udpDirect = PeerEcho.ask(c, "10.82.1.2", 7778, "direct udp");
            assertThat(udpDirect.output().strip()).isEqualTo("udp port 7778, seen from 10.82.1.1: direct udp");

            ExecResult direct = curl(c, 8082);
            assertThat(direct.output()).isEqualTo("port 8082, seen from 10.82.1.1");
            assertThat(up.awaitLine(l -> l.matches("flow \\d+ route direct"), WAIT)).as(up.output()).isPresent();

            assertThat(up.terminate(WAIT)).isZero();
        } finally {
            for (HttpServer h : http) h.stop(0);
        }
        assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-flow");
    }
}
