package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.netext.cli.dns.BlockListIntegrationTest.NAMES;
import static dev.netext.cli.dns.BlockListIntegrationTest.dig;
import static dev.netext.cli.dns.BlockListIntegrationTest.writeHostsList;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 §3, must-show 3 (profile and flow side): one {@code lists:} entry — a generated hosts list of 100 000
 * names — named by a {@code dns:} rule and by a {@code filter:} rule of the same profile under {@code netext up}. A
 * listed name gets NXDOMAIN from the profile's DNS server; a curl that skips DNS ({@code --resolve NAME:443:IP}) and
 * says a listed name only in its TLS SNI is dropped by the filter rule, while the same origin under an unlisted name
 * answers — a real {@code openssl s_server}, so the drop is the rule's doing.
 *
 * <pre>
 *   host (netext up: dns 127.0.0.1:53, rules filter; dig, curl) ──veth── web (openssl s_server 10.56.1.2:443, dnsmasq)
 * </pre>
 */
class BlockListFlowIntegrationTest {
    private static final Duration START = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @NetnsTest
    void aFilterRuleNamingTheListDropsAListedSni(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host"), web = lab.namespace("web");
        lab.veth("host", "to-web", "10.56.1.1/24", "web", "web0", "10.56.1.2/24");
        Dnsmasq.start(web, "10.56.1.2", "--address=/example/10.56.1.2");
        Path key = dir.resolve("key.pem"), cert = dir.resolve("cert.pem");
        web.run(Duration.ofSeconds(30), "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-subj", "/CN=origin.test", "-days", "1", "-keyout", key.toString(), "-out", cert.toString()).orThrow();
        web.exec("openssl", "s_server", "-quiet", "-accept", "10.56.1.2:443", "-cert", cert.toString(), "-key", key.toString(), "-www");
        awaitListening(web, 443);
        Path list = writeHostsList(dir.resolve("ads.hosts"));
        Path profile = Files.writeString(dir.resolve("lists.yaml"), """
                name: lists
                lists:
                  ads: %s
                dns:
                  listen: [127.0.0.1:53]
                  servers: { web: 10.56.1.2 }
                  default: web
                  rules:
                    - { list: ads, action: block }
                filter:
                  rules:
                    - { list: ads, action: drop }
                  default: allow
                """.formatted(list));

        try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            assertThat(netext.awaitLine(l -> l.contains("intercepting TCP"), START)).as(netext.output()).isPresent();
            assertThat(netext.awaitLine(l -> l.contains("dns lists serving on"), START)).as(netext.output()).isPresent();
            assertThat(netext.output()).contains("list ads (" + list + "): " + NAMES + " names");

            assertThat(dig(host, "blocked31337.ads.example")).as(netext.output()).contains("status: NXDOMAIN");
            assertThat(dig(host, "origin.example")).contains("status: NOERROR").contains("10.56.1.2");

            ExecResult allowed = curl(host, "origin.example");
            assertThat(allowed.exitCode()).as(allowed.output() + "\n" + netext.output()).isZero();
            assertThat(allowed.output()).contains("s_server");

            ExecResult dropped = curl(host, "blocked31337.ads.example");
            assertThat(dropped.exitCode()).as(dropped.output() + "\n" + netext.output()).isNotZero();
            assertThat(dropped.output()).doesNotContain("s_server");
            assertThat(netext.awaitLine(l -> l.contains("blocked31337.ads.example (TLS_SNI) by /usr/bin/curl"), START))
                    .as(netext.output()).isPresent();
            assertThat(netext.terminate(START)).isZero();
        }
    }

    /** curl by address: the name only in the SNI. */
    private static ExecResult curl(NetworkNamespace ns, String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sSk", "--max-time", "8", "--resolve", name + ":443:10.56.1.2",
                "https://" + name + "/");
    }

    private static void awaitListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-ltn", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns);
    }
}
