package dev.netext.cli;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.lab.NetextProcess;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.lab.traffic.UdpEchoServer;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code filter:} profile intercepts the connections its host opens, never the ones other hosts open to it (issue
 * 11: every inbound TCP connection hung, an SSH lock-out). Namespace {@code host} runs {@code netext up}, Python's
 * {@code http.server}, a UDP echo server (IPv4 and IPv6) and dnsmasq; namespace {@code remote} reaches them with
 * curl, nc and dig while the profile runs — under a plain filter, a uid-scoped one, gateway mode on the very
 * interface the remote comes in on, and with the DNS layer intercepting port 53. A TCP connection opened before
 * netext started, whose server side speaks first afterwards (as an SSH session's does), keeps working too. Each case
 * also shows that the host's own flows are still intercepted: a name the rules drop is reset, others are relayed.
 */
class InboundUnderFilterIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String HOST4 = "10.200.0.1", REMOTE4 = "10.200.0.2", HOST6 = "fd20::1";

    @TempDir
    Path dir;

    @NetnsTest
    void plainFilter(NetnsLab lab) throws Exception {
        inboundKeepsWorking(lab, "");
    }

    @NetnsTest
    void filterScopedToAUid(NetnsLab lab) throws Exception {
        inboundKeepsWorking(lab, "  scope: { uids: [0] }\n"); // root's: the servers' own sockets are in scope
    }

    @NetnsTest
    void gatewayModeOnTheInterfaceTheRemoteComesIn(NetnsLab lab) throws Exception {
        inboundKeepsWorking(lab, "  gateway: [h-r]\n");
    }

    @NetnsTest
    void filterWithDnsInterception(NetnsLab lab) throws Exception {
        inboundKeepsWorking(lab, "dns:\n  listen: [127.0.0.1:5353]\n  intercept: true\n  servers: { here: " + HOST4 + " }\n"
                + "  default: here\n");
    }

    /** The servers, a connection opened before netext, then {@code netext up} with {@code extra} in its profile. */
    private void inboundKeepsWorking(NetnsLab lab, String extra) throws Exception {
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        lab.veth(VethEnd.of("host", "h-r", HOST4 + "/24", HOST6 + "/64"), VethEnd.of("remote", "r-h", REMOTE4 + "/24", "fd20::2/64"));
        Files.writeString(dir.resolve("hello.txt"), "served by the filtered host\n");
        host.exec("sh", "-c", "exec /usr/bin/python3 -m http.server 7000 --bind :: --directory '" + dir + "'");
        host.exec("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + HOST4, "--port=53", "--user=root", "--pid-file=", "--host-record=inbound.test,192.0.2.7");
        awaitListening(host, "-Htln", 7000);
        awaitListening(host, "-Hulnp", 53);
        Path profile = dir.resolve("filter.yaml");
        Files.writeString(profile, extra.startsWith("dns:") ? "name: inbound\n" + extra + FILTER : "name: inbound\n" + FILTER + extra);
        try (UdpEchoServer echo4 = host.runInside(() -> UdpEchoServer.open(new InetSocketAddress(HOST4, 7007)));
             UdpEchoServer echo6 = host.runInside(() -> UdpEchoServer.open(new InetSocketAddress(HOST6, 7007)));
             UdpEchoServer remoteEcho = remote.runInside(() -> UdpEchoServer.open(new InetSocketAddress(REMOTE4, 7008)));
             ServerSocket sshLike = host.runInside(() -> new ServerSocket(7022, 1, InetAddress.getByName(HOST4)))) {
            HelloHttpServer remoteHttp = remote.runInside(() -> HelloHttpServer.open(REMOTE4, 8080));
            assertInboundWorks(remote, "before netext"); // the lab itself works
            Socket client = remote.runInside(() -> new Socket(HOST4, 7022));
            try (client; Socket served = sshLike.accept()) {
                client.setSoTimeout(5_000);
                served.setSoTimeout(5_000);
                try (NetextProcess netext = NetextProcess.start(host, "up", "--log", profile.toString())) {
                    assertThat(netext.awaitLine(l -> l.startsWith("netext: filter") && l.contains("intercepting TCP"), START))
                            .as("netext output:\n%s", netext.output()).isPresent();
                    assertInboundWorks(remote, netext.output());
                    // the server side of a connection that predates netext speaks first, as sshd does after a command
                    new PrintWriter(served.getOutputStream(), true, StandardCharsets.US_ASCII).println("prompt$");
                    assertThat(new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine()).isEqualTo("prompt$");
                    new PrintWriter(client.getOutputStream(), true, StandardCharsets.US_ASCII).println("ls");
                    assertThat(new BufferedReader(new InputStreamReader(served.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine()).isEqualTo("ls");
                    assertOwnFlowsStillIntercepted(host, netext);
                    if (extra.contains("intercept: true")) { // the host's own query, to an address with no server, is the DNS layer's
                        ExecResult dig = host.run(Duration.ofSeconds(15), "dig", "@" + REMOTE4, "+time=3", "+tries=1", "+short", "inbound.test");
                        assertThat(dig.output().strip()).as(netext.output()).isEqualTo("192.0.2.7");
                    }
                    assertThat(netext.terminate(START)).isZero();
                }
            } finally {
                remoteHttp.close();
            }
            assertThat(remoteEcho.echoed()).isPositive();
        }
    }

    private static final String FILTER = """
            filter:
              rules:
                - { host: "*.blocked.test", action: drop }
              default: allow
            """;

    /** curl (IPv4 and IPv6) to the host's http.server, nc to its UDP echo (both families), dig to its dnsmasq. */
    private static void assertInboundWorks(NetworkNamespace remote, String context) throws Exception {
        for (String url : new String[]{"http://" + HOST4 + ":7000/hello.txt", "http://[" + HOST6 + "]:7000/hello.txt"}) {
            ExecResult curl = remote.run(Duration.ofSeconds(15), "curl", "-sS", "-g", "--max-time", "5", url);
            assertThat(curl.exitCode()).as("%s: %s\n%s", url, curl.output(), context).isZero();
            assertThat(curl.output()).contains("served by the filtered host");
        }
        for (String address : new String[]{HOST4, HOST6}) {
            ExecResult udp = remote.run(Duration.ofSeconds(15), "sh", "-c", "echo inbound-udp | nc -u -w 2 " + address + " 7007");
            assertThat(udp.output()).as("udp echo at %s\n%s", address, context).contains("inbound-udp");
        }
        ExecResult dig = remote.run(Duration.ofSeconds(15), "dig", "@" + HOST4, "+time=3", "+tries=1", "+short", "inbound.test");
        assertThat(dig.output().strip()).as("dnsmasq on the host\n%s", context).isEqualTo("192.0.2.7");
    }

    /** The host's own TCP and UDP still go through the filter: a dropped name is reset, the rest is relayed. */
    private static void assertOwnFlowsStillIntercepted(NetworkNamespace host, NetextProcess netext) throws Exception {
        ExecResult blocked = curl(host, "x.blocked.test");
        assertThat(blocked.exitCode()).as(blocked.output()).isEqualTo(56); // reset by the filter's verdict
        assertThat(netext.awaitLine(l -> l.contains("x.blocked.test (HTTP_HOST) by /usr/bin/curl"), START)).as(netext.output()).isPresent();
        assertThat(curl(host, "www.allowed.test").output()).contains("hello www.allowed.test:8080");
        ExecResult udp = host.run(Duration.ofSeconds(15), "sh", "-c", "echo outbound-udp | nc -u -w 2 " + REMOTE4 + " 7008");
        assertThat(udp.output()).contains("outbound-udp");
        assertThat(netext.awaitLine(l -> l.contains("opened udp " + REMOTE4 + ":7008 by /usr/bin/nc"), START))
                .as(netext.output()).isPresent();
    }

    private static ExecResult curl(NetworkNamespace ns, String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", name + ":8080:" + REMOTE4,
                "http://" + name + ":8080/");
    }

    private static void awaitListening(NetworkNamespace ns, String ssFlags, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", ssFlags, "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns);
    }
}
