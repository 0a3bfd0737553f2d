package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext dns log [--follow]}: the daemon runs a dns profile forwarding to dnsmasq; queries made with dig show
 * up as lines (name, rule, answering server, rcode); without a daemon the command says so and exits 3.
 */
class DnsLogIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @NetnsTest
    void followPrintsTheDaemonsDnsQueries(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host");
        NetworkNamespace corp = lab.namespace("corp");
        lab.veth("host", "to-corp", "10.53.1.1/24", "corp", "corp0", "10.53.1.2/24");
        Dnsmasq.start(corp, "10.53.1.2", "--host-record=db.foo.mycompany.com,10.1.2.4", "--host-record=www.example,192.0.2.10");

        NetextProcess none = NetextProcess.start(host, "dns", "log", "--control", dir.resolve("nothing.sock").toString());
        assertThat(none.waitFor(WAIT)).isEqualTo(3);
        assertThat(none.output()).contains("no netext daemon is running").contains("--log");

        try (DaemonUnderTest d = new DaemonUnderTest(host, dir)) {
            d.profile("split.yaml", """
                    name: split
                    dns:
                      listen: [127.0.0.1:5353]
                      servers: { corp: 10.53.1.2 }
                      rules:
                        - { domains: [foo.mycompany.com], server: corp }
                        - { domains: [ads.test], action: block }
                      default: corp
                    """);
            assertThat(d.cli("reload").waitFor(WAIT)).isZero();
            d.awaitComponent("split", c -> c.path("status").asText().equals("connected"), WAIT);
            NetextProcess follow = NetextProcess.start(host, "dns", "log", "--follow", "--control", d.socket.toString());
            try {
                Thread.sleep(500); // subscribed before the queries; earlier ones would come from the history anyway
                assertThat(dig(host, "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
                assertThat(dig(host, "ads.test")).isEmpty();
                assertThat(follow.awaitLine(l -> l.contains("udp db.foo.mycompany.com A → foo.mycompany.com→corp udp://10.53.1.2:53 NOERROR 1 answer")
                        && l.endsWith("[split]"), WAIT)).as(follow.output()).isPresent();
                assertThat(follow.awaitLine(l -> l.contains("ads.test A → ads.test→block blocked NXDOMAIN"), WAIT)).as(follow.output()).isPresent();
                assertThat(follow.output()).doesNotContain("StatusChanged");
                assertThat(follow.terminate(WAIT)).isZero();
            } finally {
                follow.close();
            }
            NetextProcess history = d.cli("dns", "log", "--json");
            assertThat(history.lines()).anySatisfy(l -> assertThat(l).contains("\"type\":\"DnsQueried\"")
                    .contains("\"server\":\"udp://10.53.1.2:53\"").contains("\"rule\":\"foo.mycompany.com→corp\""));
            assertThat(history.lines()).noneSatisfy(l -> assertThat(l).contains("\"type\":\"StatusChanged\""));
            assertThat(d.stop()).isZero();
        }
    }

    private static String dig(NetworkNamespace ns, String name) throws Exception {
        return ns.run(Duration.ofSeconds(10), "dig", "@127.0.0.1", "-p", "5353", "+time=3", "+tries=1", "+short", name).output().strip();
    }
}
