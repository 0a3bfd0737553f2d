package dev.netext.cli;

import com.sun.net.httpserver.HttpServer;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.UdpText;
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
 * {@code netext up} with a {@code packet-filter:} section, for real: a "client" namespace running netext and a
 * "server" namespace behind a veth, real ping, UDP and HTTP over TCP. The "Must show" list, one test each.
 */
class PacketFilterIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String SERVER = "10.9.0.2", BLOCKED = "10.9.0.3";

    @TempDir
    Path dir;

    private record Lab(NetworkNamespace client, NetworkNamespace server) {}

    private static Lab topology(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-eth", "10.9.0.1/24"), VethEnd.of("server", "s-eth", SERVER + "/24", BLOCKED + "/24"));
        return new Lab(c, s);
    }

    /** A socket on the server at {@code port} that waits {@code timeoutMillis} for each datagram. */
    private static UdpText receiver(Lab l, int port, int timeoutMillis) throws Exception {
        return UdpText.open(l.server(), SERVER, port, Duration.ofMillis(timeoutMillis));
    }

    private static UdpText sender(Lab l, int timeoutMillis) throws Exception {
        return UdpText.open(l.client(), "10.9.0.1", 0, Duration.ofMillis(timeoutMillis));
    }

    private Path profile(String name, String body) throws Exception {
        Path p = dir.resolve(name + ".yaml");
        Files.writeString(p, "name: " + name + "\npacket-filter:\n" + body.stripIndent().indent(2));
        return p;
    }

    private static NetextProcess up(NetworkNamespace ns, Path profile) throws Exception {
        NetextProcess p = NetextProcess.up(ns, profile);
        assertThat(p.awaitLine(l -> l.contains("running on queue"), START)).as("netext output:\n%s", p.output()).isPresent();
        return p;
    }

    /** Starts netext with {@code profile}, sees "before" pass to port 9999, then kills it (it cleans nothing up). */
    private static void upThenKill(NetworkNamespace ns, Path profile, UdpText tx, UdpText rx) throws Exception {
        NetextProcess netext = up(ns, profile);
        try {
            tx.send("before", SERVER, 9999);
            assertThat(rx.receive()).isEqualTo("before");
            netext.kill();
        } finally {
            netext.close();
        }
    }

    private static String rules(NetworkNamespace ns) throws Exception {
        return ns.run("iptables", "-S").output() + ns.run("ip6tables", "-S").output();
    }

    /** Must show 1: the built-in rules provider drops ICMP echo to one address and allows the other. */
    @NetnsTest
    void dropsIcmpEchoToOneAddressOnly(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-icmp", """
                provider: rules
                queue: 7
                match: [{ direction: out, protocol: icmp }]
                on-failure: open
                options:
                  rules: [{ action: drop, protocol: icmp, destination: %s }]
                """.formatted(BLOCKED));
        try (NetextProcess netext = up(l.client(), p)) {
            ExecResult allowed = l.client().run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "1", SERVER);
            assertThat(allowed.output()).as(allowed.output()).contains("3 received");
            ExecResult blocked = l.client().run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "1", BLOCKED);
            assertThat(blocked.output()).as(blocked.output()).contains("0 received");
            assertThat(rules(l.client())).contains("NETEXT-PF-7");
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
            assertThat(netext.output()).contains("dropped");
        }
        assertThat(rules(l.client())).doesNotContain("NETEXT-PF");
        ExecResult after = l.client().run(Duration.ofSeconds(15), "ping", "-c", "1", "-W", "1", BLOCKED);
        assertThat(after.output()).as("filter gone: blocked address answers").contains("1 received");
    }

    /**
     * Must show 2: hello → HELLO in UDP to port 9999. The kernel verifies the checksum of a queue-modified packet on
     * receive (nfqueue marks it CHECKSUM_NONE), so arriving at all means it was valid.
     */
    @NetnsTest
    void rewritesUdpPayloadWithValidChecksum(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-udp", """
                provider: dev.netext.cli.pfilter.UpcaseProvider
                queue: 9
                match: [{ direction: out, protocol: udp, port: 9999 }]
                """);
        try (NetextProcess netext = up(l.client(), p);
             UdpText rx = receiver(l, 9999, 3000);
             UdpText other = receiver(l, 9998, 3000);
             UdpText tx = sender(l, 3000)) {
            tx.send("say hello", SERVER, 9999);
            assertThat(rx.receive()).isEqualTo("say HELLO");
            tx.send("say hello", SERVER, 9998);
            assertThat(other.receive()).as("other ports are not steered").isEqualTo("say hello");
            String udpErrors = l.server().run("cat", "/proc/net/snmp").output();
            assertThat(udpErrors).containsPattern("Udp: \\d+ \\d+ \\d+ \\d+ \\d+ \\d+ 0"); // InCsumErrors
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
        }
    }

    /** The context names the local process of a queued packet (sock_diag + /proc), as NE's audit token should. */
    @NetnsTest
    void packetContextNamesTheSendingProcess(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-proc", """
                provider: dev.netext.cli.pfilter.ProcessReportingProvider
                queue: 12
                match: [{ direction: out, protocol: udp, port: 9997 }]
                """);
        try (NetextProcess netext = up(l.client(), p);
             UdpText rx = receiver(l, 9997, 5000)) {
            // a short-lived sender: nc lingers one second (-w1) with its socket open while its datagram is queued
            l.client().run(Duration.ofSeconds(10), "sh", "-c", "printf hi | nc -u -w1 " + SERVER + " 9997");
            assertThat(rx.receive()).isEqualTo("hi");
            String line = netext.awaitLine(s -> s.startsWith("packet-process"), Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError(netext.output()));
            assertThat(line).containsPattern("pid=[1-9]\\d*").contains("exe=/usr/bin/nc").contains("uid=0");
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
        }
    }

    /** Must show 3: a same-length rewrite of an HTTP request header on a live TCP connection; the exchange completes. */
    @NetnsTest
    void rewritesAnHttpHeaderOnALiveTcpConnection(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        HttpServer server = l.server().runInside(() -> {
            HttpServer s = HttpServer.create(new InetSocketAddress(SERVER, 8080), 16);
            s.createContext("/", ex -> {
                byte[] body = ("word=" + ex.getRequestHeaders().getFirst("X-Word")).getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            s.start();
            return s;
        });
        Path p = profile("pf-tcp", """
                provider: dev.netext.cli.pfilter.UpcaseProvider
                queue: 11
                match: [{ direction: out, protocol: tcp, port: 8080 }]
                options: { find: "X-Word: hello", replace: "X-Word: HELLO" }
                """);
        try (NetextProcess netext = up(l.client(), p)) {
            for (int i = 0; i < 3; i++) {
                ExecResult r = l.client().run(Duration.ofSeconds(15), "curl", "-sS", "--max-time", "5",
                        "-H", "X-Word: hello", "http://" + SERVER + ":8080/");
                assertThat(r.exitCode()).as(r.output()).isZero();
                assertThat(r.output()).isEqualTo("word=HELLO");
            }
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
            assertThat(netext.output()).containsPattern("[1-9]\\d* modified");
        } finally {
            server.stop(0);
        }
    }

    /** Must show 4a: delayed packets arrive later, all of them, in order. */
    @NetnsTest
    void delayedPacketsAreReleasedLaterInOrder(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-delay", """
                provider: dev.netext.cli.pfilter.DelayProvider
                queue: 13
                match: [{ direction: out, protocol: udp, port: 9999 }]
                options: { delay-ms: 400 }
                """);
        try (NetextProcess netext = up(l.client(), p);
             UdpText rx = receiver(l, 9999, 3000);
             UdpText tx = sender(l, 3000)) {
            long sent = System.nanoTime();
            for (int i = 0; i < 20; i++) tx.send("m" + i, SERVER, 9999);
            List<String> got = new ArrayList<>();
            String first = rx.receive();
            long firstAt = System.nanoTime();
            got.add(first);
            for (int i = 1; i < 20; i++) got.add(rx.receive());
            assertThat((firstAt - sent) / 1_000_000).as("held for the delay").isGreaterThanOrEqualTo(350);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) expected.add("m" + i);
            assertThat(got).containsExactlyElementsOf(expected);
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
        }
    }

    /**
     * Must show 4b: with on-failure closed, netext killed mid-stream lets nothing through; the next start removes
     * what it left and filters again; a clean stop removes every rule.
     */
    @NetnsTest
    void failClosedStopsTrafficWhenNetextDiesAndRecoversAtNextStart(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-closed", """
                provider: rules
                queue: 15
                match: [{ direction: out, protocol: udp, port: 9999 }]
                on-failure: closed
                options: { decide-flows: false }
                """);
        try (UdpText rx = receiver(l, 9999, 700);
             UdpText tx = sender(l, 700)) {
            upThenKill(l.client(), p, tx, rx);
            for (int i = 0; i < 3; i++) tx.send("while-dead", SERVER, 9999);
            assertThat(rx.receive()).as("fail-closed: nothing passes while netext is gone").isNull();
            assertThat(rules(l.client())).contains("NETEXT-PF-15");

            try (NetextProcess again = up(l.client(), p)) {
                assertThat(again.output()).contains("removed what a crashed packet filter");
                tx.send("after", SERVER, 9999);
                assertThat(rx.receive()).isEqualTo("after");
                assertThat(again.terminate(Duration.ofSeconds(20))).isZero();
            }
            assertThat(rules(l.client())).doesNotContain("NETEXT-PF");
            tx.send("unfiltered", SERVER, 9999);
            assertThat(rx.receive()).isEqualTo("unfiltered");
        }
    }

    /** Must show 4c: with on-failure open, traffic keeps flowing when netext dies. */
    @NetnsTest
    void failOpenKeepsTrafficFlowingWhenNetextDies(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-open", """
                provider: rules
                queue: 17
                match: [{ direction: out, protocol: udp, port: 9999 }]
                on-failure: open
                options: { decide-flows: false }
                """);
        try (UdpText rx = receiver(l, 9999, 2000);
             UdpText tx = sender(l, 2000)) {
            upThenKill(l.client(), p, tx, rx);
            assertThat(rules(l.client())).contains("NETEXT-PF-17").contains("--queue-bypass");
            tx.send("while-dead", SERVER, 9999);
            assertThat(rx.receive()).as("fail-open: traffic passes while netext is gone").isEqualTo("while-dead");
        }
    }

    /** Must show 5: a provider that throws, returns null or garbage never brings the engine down. */
    @NetnsTest
    void misbehavingProviderNeverCrashesTheEngine(NetnsLab lab) throws Exception {
        Lab l = topology(lab);
        Path p = profile("pf-flaky", """
                provider: dev.netext.cli.pfilter.FlakyProvider
                queue: 19
                match: [{ direction: out, protocol: udp, port: 9999 }]
                on-failure: open
                """);
        try (NetextProcess netext = up(l.client(), p);
             UdpText rx = receiver(l, 9999, 3000);
             UdpText tx = sender(l, 3000)) {
            for (String bad : List.of("throw", "null", "junk", "oob!")) {
                for (int i = 0; i < 50; i++) tx.send(bad + i, SERVER, 9999);
                for (int i = 0; i < 50; i++) assertThat(rx.receive()).as("failure verdict (open) allows").isEqualTo(bad + i);
            }
            tx.send("fine", SERVER, 9999);
            assertThat(rx.receive()).isEqualTo("fine");
            assertThat(netext.isAlive()).isTrue();
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
            assertThat(netext.output()).contains("200 provider failures");
        }
    }
}
