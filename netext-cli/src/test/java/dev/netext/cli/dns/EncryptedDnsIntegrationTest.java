package dev.netext.cli.dns;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.lab.peers.Unbound;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS over TLS and HTTPS upstreams against real servers in namespaces (issue 3, "Must show" 3): unbound serves DoT
 * with a certificate from a throwaway CA made by openssl; a small Netty DoH server ({@link DohTestServer}) forwards to
 * dnsmasq. netext ({@code netext up}, CA given as {@code dns.tls-ca}) forwards split rules to each; kdig asks netext.
 *
 * <pre>
 *   host (netext 127.0.0.1:5353, kdig) ──veth── dot (unbound DoT 10.53.3.2:853)
 *        └────────────────────────────────veth── doh (DoH 10.53.4.2:443 → dnsmasq 10.53.4.2:53)
 * </pre>
 */
class EncryptedDnsIntegrationTest {
    @TempDir
    Path dir;

    @NetnsTest
    void dotAndDohUpstreamsAnswerSplitRules(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host");
        NetworkNamespace dot = lab.namespace("dot");
        NetworkNamespace doh = lab.namespace("doh");
        lab.veth("host", "to-dot", "10.53.3.1/24", "dot", "dot0", "10.53.3.2/24");
        lab.veth("host", "to-doh", "10.53.4.1/24", "doh", "doh0", "10.53.4.2/24");
        TestCertificates certs = TestCertificates.make(dir, "dns.test", "DNS:dns.test", "DNS:doh.test", "IP:10.53.4.2");

        Unbound.start(dot, dir, "10.53.0.0/16", """
                  interface: 10.53.3.2@853
                  tls-port: 853
                  tls-service-key: "%s"
                  tls-service-pem: "%s"
                  local-zone: "example." static
                  local-data: "www.example. 300 IN A 192.0.2.10"
                  local-data: "txt.example. 300 IN TXT \\"%s\\""
                """.formatted(certs.key(), certs.cert(), "d".repeat(200)));
        Dnsmasq.start(doh, "10.53.4.2", "--address=/foo.mycompany.com/10.1.2.3", "--host-record=db.foo.mycompany.com,10.1.2.4");
        awaitDot(host, certs);
        try (DohTestServer dohServer = DohTestServer.start(doh, new InetSocketAddress("10.53.4.2", 443), certs, "/dns-query",
                new InetSocketAddress("10.53.4.2", 53))) {
            Path profile = dir.resolve("encrypted.yaml");
            Files.writeString(profile, """
                    name: encrypted
                    dns:
                      listen: [127.0.0.1:5353]
                      servers:
                        dot: tls://dns.test@10.53.3.2:853
                        doh: https://doh.test@10.53.4.2/dns-query
                        doh-by-address: https://10.53.4.2/dns-query
                        wrong-name: tls://other.test@10.53.3.2:853
                      rules:
                        - { domains: [foo.mycompany.com], server: doh }
                        - { domains: [db.foo.mycompany.com], server: doh-by-address }
                        - { domains: [wrong.example], server: wrong-name }
                      default: dot
                      cache: { entries: 0 }
                      tls-ca: %s
                    """.formatted(certs.ca()));
            try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
                netext.awaitLine(l -> l.contains("dns encrypted serving on"), Duration.ofSeconds(30))
                        .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));

                // DoT: unbound's local data through netext, over one reused TLS connection
                assertThat(kdig(host, "+short", "www.example")).isEqualTo("192.0.2.10");
                assertThat(kdig(host, "+short", "TXT", "txt.example")).contains("d".repeat(200));
                assertThat(kdig(host, "+tcp", "+short", "www.example")).isEqualTo("192.0.2.10");
                assertThat(netext.awaitLine(l -> l.contains("www.example A") && l.contains("tls://dns.test@10.53.3.2:853"),
                        Duration.ofSeconds(5))).as(netext.output()).isPresent();

                // DoH: dnsmasq's answers through the test server, by name@address and by address
                assertThat(kdig(host, "+short", "a.foo.mycompany.com")).isEqualTo("10.1.2.3");
                assertThat(kdig(host, "+short", "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
                assertThat(netext.awaitLine(l -> l.contains("a.foo.mycompany.com A") && l.contains("https://doh.test@10.53.4.2/dns-query"),
                        Duration.ofSeconds(5))).as(netext.output()).isPresent();
                assertThat(netext.awaitLine(l -> l.contains("db.foo.mycompany.com A") && l.contains("https://10.53.4.2/dns-query"),
                        Duration.ofSeconds(5))).as(netext.output()).isPresent();

                // many queries at once: streams on the connections already open, no new ones
                int before = dohServer.connections();
                List<Process> burst = new ArrayList<>();
                for (int i = 0; i < 20; i++)
                    burst.add(host.exec("kdig", "@127.0.0.1", "-p", "5353", "+time=3", "+retry=0", "+short", "n" + i + ".foo.mycompany.com"));
                for (Process p : burst) {
                    assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("10.1.2.3");
                    p.waitFor();
                }
                assertThat(dohServer.connections()).isEqualTo(before).isEqualTo(2); // one per DoH server spec
                assertThat(dohServer.requests()).isGreaterThanOrEqualTo(22);
                assertThat(dohServer.nonZeroIds()).isZero();

                // a certificate that does not name the server: no answer from it, SERVFAIL and the reason in the log
                assertThat(kdig(host, "x.wrong.example")).contains("status: SERVFAIL");

                assertThat(netext.terminate(Duration.ofSeconds(15))).isZero();
            }
        }
    }

    private static String kdig(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kdig", "@127.0.0.1", "-p", "5353", "+time=4", "+retry=0"));
        cmd.addAll(List.of(args));
        ExecResult r = ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new));
        return r.output().strip();
    }

    private static void awaitDot(NetworkNamespace ns, TestCertificates certs) throws Exception {
        for (int i = 0; i < 50; i++) {
            ExecResult r = ns.run(Duration.ofSeconds(5), "kdig", "@10.53.3.2", "-p", "853", "+tls-ca=" + certs.ca(),
                    "+tls-hostname=dns.test", "+time=1", "+retry=0", "+short", "www.example");
            if (r.output().contains("192.0.2.10")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("unbound did not start serving DoT");
    }
}
