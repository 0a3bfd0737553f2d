package dev.netext.cli.dns;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code intercept: true} (issue 3, "Must show" 4): a client that asks a hard-coded resolver address — 10.99.0.1, a
 * namespace with no DNS server at all — still gets split answers, over UDP and TCP; after a clean stop the nft table is
 * gone and the address answers nothing again; after {@code kill -9} the next netext removes the dead one's table.
 *
 * <pre>
 *   host (netext 127.0.0.1:5353, dig) ──veth── corp (dnsmasq 10.53.1.2)
 *        ├──────────────────────────────veth── public (dnsmasq 10.53.2.2)
 *        └──────────────────────────────veth── nodns (10.99.0.1, nothing listens)
 * </pre>
 */
class DnsInterceptIntegrationTest {
    @TempDir
    Path dir;

    @NetnsTest
    void aHardCodedResolverGetsSplitAnswersUntilStop(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host");
        NetworkNamespace corp = lab.namespace("corp");
        NetworkNamespace pub = lab.namespace("public");
        lab.namespace("nodns");
        lab.veth("host", "to-corp", "10.53.1.1/24", "corp", "corp0", "10.53.1.2/24");
        lab.veth("host", "to-pub", "10.53.2.1/24", "public", "pub0", "10.53.2.2/24");
        lab.veth("host", "to-nodns", "10.99.0.2/24", "nodns", "nodns0", "10.99.0.1/24");
        Dnsmasq.start(corp, "10.53.1.2", "--address=/foo.mycompany.com/10.1.2.3", "--host-record=db.foo.mycompany.com,10.1.2.4");
        Dnsmasq.start(pub, "10.53.2.2", "--host-record=www.example,192.0.2.10");
        Path profile = dir.resolve("intercept.yaml");
        Files.writeString(profile, """
                name: intercept
                dns:
                  listen: [127.0.0.1:5353]
                  intercept: true
                  servers: { corp: 10.53.1.2, public: 10.53.2.2 }
                  rules:
                    - { domains: [foo.mycompany.com], server: corp }
                  default: public
                """);
        // nothing answers at 10.99.0.1 before netext runs
        assertThat(dig(host, "+short", "www.example").output()).doesNotContain("192.0.2.10");

        try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            awaitServing(netext);
            assertThat(nftTables(host)).contains("table inet netext-dns");
            assertThat(dig(host, "+short", "db.foo.mycompany.com").output().strip()).isEqualTo("10.1.2.4");
            assertThat(dig(host, "+short", "www.example").output().strip()).isEqualTo("192.0.2.10");
            assertThat(dig(host, "+tcp", "+short", "a.foo.mycompany.com").output().strip()).isEqualTo("10.1.2.3");
            // kdig too, and the answer comes "from" the address it asked (conntrack undoes the redirect)
            assertThat(host.run(Duration.ofSeconds(10), "kdig", "@10.99.0.1", "+time=3", "+retry=0", "www.example").output())
                    .contains("192.0.2.10").contains("10.99.0.1");
            // netext's own upstream queries (marked) went to the real servers, not back to itself
            assertThat(netext.awaitLine(l -> l.contains("db.foo.mycompany.com A") && l.contains("udp://10.53.1.2:53"),
                    Duration.ofSeconds(5))).as(netext.output()).isPresent();
            assertThat(netext.terminate(Duration.ofSeconds(15))).isZero();
        }
        assertThat(nftTables(host)).doesNotContain("netext-dns");
        assertThat(dig(host, "+short", "www.example").output()).doesNotContain("192.0.2.10");

        // kill -9 leaves the table; the next start removes it (recovery) and installs its own, removed on stop
        NetextProcess crashed = NetextProcess.start(host, "up", profile.toString(), "--log");
        try {
            awaitServing(crashed);
            crashed.kill();
        } finally {
            crashed.close();
        }
        assertThat(nftTables(host)).contains("netext-dns");
        try (NetextProcess next = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            awaitServing(next);
            assertThat(dig(host, "+short", "www.example").output().strip()).isEqualTo("192.0.2.10");
            assertThat(next.terminate(Duration.ofSeconds(15))).isZero();
        }
        assertThat(nftTables(host)).doesNotContain("netext-dns");
    }

    private static void awaitServing(NetextProcess netext) throws InterruptedException {
        netext.awaitLine(l -> l.contains("dns intercept serving on"), Duration.ofSeconds(30))
                .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));
    }

    private static String nftTables(NetworkNamespace ns) throws Exception {
        return ns.run(Duration.ofSeconds(10), "nft", "list", "tables").output();
    }

    private static ExecResult dig(NetworkNamespace ns, String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of("dig", "@10.99.0.1", "+time=2", "+tries=1"));
        cmd.addAll(java.util.List.of(args));
        return ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new));
    }
}
