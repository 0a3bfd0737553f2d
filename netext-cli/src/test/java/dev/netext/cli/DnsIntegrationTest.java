package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.lab.peers.Unbound;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Split DNS with real resolvers in namespaces (issue 3, "Must show" 1, 2 and 5): dnsmasq serves {@code corp} from its
 * own records, unbound serves the default from {@code local-data}; dig and kdig ask netext ({@code netext up} with a
 * dns profile) in the host namespace.
 *
 * <pre>
 *   host (netext 127.0.0.1:5353, dig, kdig) ──veth── corp (dnsmasq 10.53.1.2 and 10.53.1.3)
 *        └──────────────────────────────────veth── public (unbound 10.53.2.2)
 * </pre>
 */
class DnsIntegrationTest {
    private static final String TXT = "t".repeat(250);

    @TempDir
    Path dir;

    private Process dnsmasq(NetworkNamespace corp, String address) throws Exception {
        return Dnsmasq.start(corp, address, "--address=/foo.mycompany.com/10.1.2.3", "--host-record=db.foo.mycompany.com,10.1.2.4",
                "--txt-record=big.foo.mycompany.com,\"" + TXT + "\",\"" + TXT + "\",\"" + TXT + "\"");
    }

    /** The namespaces of split DNS: host, with a link to corp (10.53.1.2) and one to public (10.53.2.2). */
    private record SplitLab(NetworkNamespace host, NetworkNamespace corp, NetworkNamespace pub) {}

    /** The split-DNS namespaces with unbound serving on public; the corp servers are each test's own. */
    private SplitLab splitLab(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host"), corp = lab.namespace("corp"), pub = lab.namespace("public");
        lab.veth("host", "to-corp", "10.53.1.1/24", "corp", "corp0", "10.53.1.2/24");
        lab.veth("host", "to-pub", "10.53.2.1/24", "public", "pub0", "10.53.2.2/24");
        unbound(pub);
        Dnsmasq.awaitServing(host, "10.53.2.2"); // unbound
        return new SplitLab(host, corp, pub);
    }

    private Process unbound(NetworkNamespace pub) throws Exception {
        return Unbound.start(pub, dir, "10.53.0.0/16", """
                  interface: 10.53.2.2
                  port: 53
                  local-zone: "example." static
                  local-data: "www.example. 300 IN A 192.0.2.10"
                  local-zone: "deep.foo.mycompany.com." static
                  local-data: "x.deep.foo.mycompany.com. 300 IN A 192.0.2.66"
                """);
    }

    private static String dig(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("dig", "@127.0.0.1", "-p", "5353", "+time=3", "+tries=1"));
        cmd.addAll(List.of(args));
        ExecResult r = ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new));
        return r.output().strip();
    }

    @NetnsTest
    void splitDnsTruncationAndFailoverWithRealServers(NetnsLab lab) throws Exception {
        SplitLab split = splitLab(lab);
        NetworkNamespace host = split.host(), corp = split.corp();
        corp.addAddress("corp0", dev.netext.api.net.IpPrefix.parse("10.53.1.3/24"));
        Process corpA = dnsmasq(corp, "10.53.1.2");
        Process corpB = dnsmasq(corp, "10.53.1.3");

        Path profile = dir.resolve("split.yaml");
        Files.writeString(profile, """
                name: split
                dns:
                  listen: [127.0.0.1:5353]
                  servers:
                    corp: [10.53.1.2, 10.53.1.3]
                    public: udp://10.53.2.2:53
                  rules:
                    - { domains: [foo.mycompany.com], server: corp }
                    - { domains: [deep.foo.mycompany.com], server: public }
                    - { domains: [ads.test], action: block }
                  default: public
                  cache: { entries: 1000 }
                """);
        try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            netext.awaitLine(l -> l.contains("dns split serving on"), Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));

            // 1. corp names from corp, others from the default, the longer rule wins, blocked names NXDOMAIN
            assertThat(dig(host, "+short", "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
            assertThat(dig(host, "+short", "anything.foo.mycompany.com")).isEqualTo("10.1.2.3");
            assertThat(dig(host, "+short", "www.example")).isEqualTo("192.0.2.10");
            assertThat(dig(host, "+short", "x.deep.foo.mycompany.com")).isEqualTo("192.0.2.66");
            assertThat(dig(host, "tracker.ads.test")).contains("status: NXDOMAIN");
            ExecResult kdig = host.run(Duration.ofSeconds(10), "kdig", "@127.0.0.1", "-p", "5353", "+short", "db.foo.mycompany.com");
            assertThat(kdig.output().strip()).isEqualTo("10.1.2.4");
            assertThat(netext.awaitLine(l -> l.contains("db.foo.mycompany.com A") && l.contains("foo.mycompany.com→corp")
                    && l.contains("udp://10.53.1.2:53"), Duration.ofSeconds(5))).isPresent();
            assertThat(netext.awaitLine(l -> l.contains("x.deep.foo.mycompany.com A") && l.contains("deep.foo.mycompany.com→public"),
                    Duration.ofSeconds(5))).isPresent();

            // 2. a TXT record over 512 bytes: UDP answer truncated, TCP retry succeeds (client side) ...
            String udp = dig(host, "+ignore", "+noedns", "big.foo.mycompany.com", "TXT");
            assertThat(udp).contains("flags: qr").containsPattern("flags:[a-z ]* tc").contains("ANSWER: 0");
            String retried = dig(host, "+noedns", "big.foo.mycompany.com", "TXT");
            assertThat(retried).contains("Truncated, retrying in TCP mode").contains(TXT).contains("ANSWER: 1");
            // ... and upstream side: dnsmasq truncated its UDP answer to netext, which asked again over TCP
            assertThat(netext.awaitLine(l -> l.contains("big.foo.mycompany.com TXT") && l.contains("tcp://10.53.1.2:53"),
                    Duration.ofSeconds(5))).as(netext.output()).isPresent();
            ExecResult kdigTcp = host.run(Duration.ofSeconds(10), "kdig", "@127.0.0.1", "-p", "5353", "+tcp", "big.foo.mycompany.com", "TXT");
            assertThat(kdigTcp.output()).contains(TXT);

            // 5. kill corp: fail over to the second corp server, then SERVFAIL within the timeout; public keeps working
            corpA.destroyForcibly().waitFor();
            long t0 = System.nanoTime();
            assertThat(dig(host, "+short", "a1.foo.mycompany.com")).isEqualTo("10.1.2.3");
            assertThat(netext.awaitLine(l -> l.contains("a1.foo.mycompany.com") && l.contains("udp://10.53.1.3:53"), Duration.ofSeconds(5))).isPresent();
            corpB.destroyForcibly().waitFor();
            t0 = System.nanoTime();
            String dead = dig(host, "a2.foo.mycompany.com");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(dead).contains("status: SERVFAIL");
            assertThat(ms).as("SERVFAIL within the query timeout").isLessThan(3500);
            assertThat(dig(host, "+short", "www.example")).isEqualTo("192.0.2.10");
            assertThat(dig(host, "+short", "x.deep.foo.mycompany.com")).isEqualTo("192.0.2.66");

            assertThat(netext.terminate(Duration.ofSeconds(15))).isZero();
            assertThat(netext.output()).contains("netext: dns split stopped");
        }
    }

    /** {@code netext dns serve} without a profile, with a query log line per query. */
    @NetnsTest
    void dnsServeRoutesWithTheSameServerSyntax(NetnsLab lab) throws Exception {
        SplitLab split = splitLab(lab);
        NetworkNamespace host = split.host(), corp = split.corp();
        dnsmasq(corp, "10.53.1.2");
        try (NetextProcess netext = NetextProcess.start(host, "dns", "serve", "--listen", "127.0.0.1:5353", "--listen", "10.53.1.1:5353",
                "--route", "foo.mycompany.com=10.53.1.2", "--route", "deep.foo.mycompany.com=udp://10.53.2.2:53",
                "--block", "ads.test", "--default", "10.53.2.2", "--log")) {
            netext.awaitLine(l -> l.contains("dns serving on"), Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));
            assertThat(dig(host, "+short", "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
            assertThat(dig(host, "+short", "x.deep.foo.mycompany.com")).isEqualTo("192.0.2.66");
            assertThat(dig(host, "+short", "www.example")).isEqualTo("192.0.2.10");
            assertThat(dig(host, "ads.test")).contains("status: NXDOMAIN");
            assertThat(dig(host, "+tcp", "+short", "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
            assertThat(netext.awaitLine(l -> l.contains(" tcp db.foo.mycompany.com A → foo.mycompany.com→10.53.1.2 cache NOERROR 1 answer"),
                    Duration.ofSeconds(5))).as(netext.output()).isPresent();
            // the default ACL: loopback and this namespace's own addresses only; a client next door gets no answer at all
            ExecResult outside = corp.run(Duration.ofSeconds(10), "dig", "@10.53.1.1", "-p", "5353", "+time=1", "+tries=1", "db.foo.mycompany.com");
            assertThat(outside.output()).doesNotContain("status:").containsPattern("timed out|no servers could be reached");
            ExecResult own = host.run(Duration.ofSeconds(10), "dig", "@10.53.1.1", "-p", "5353", "+time=2", "+tries=1", "+short", "db.foo.mycompany.com");
            assertThat(own.output().strip()).isEqualTo("10.1.2.4"); // from this namespace's own address: allowed
            assertThat(netext.terminate(Duration.ofSeconds(15))).isZero();
            assertThat(netext.output()).contains("1 outside the ACL");
        }
    }

    /** A profile with a tunnel and dns: the tunnel's DNS settings are rules while it is up. */
    @NetnsTest
    void tunnelDnsSettingsRouteMatchDomainsWhileTheTunnelIsUp(NetnsLab lab) throws Exception {
        SplitLab split = splitLab(lab);
        NetworkNamespace host = split.host(), corp = split.corp();
        dnsmasq(corp, "10.53.1.2");
        Path profile = dir.resolve("both.yaml");
        Files.writeString(profile, """
                name: both
                tunnel:
                  provider: pong
                  settings:
                    addresses: [10.7.0.1/24]
                    routes: [10.7.0.0/24]
                    dns: { servers: [10.53.1.2], match-domains: [foo.mycompany.com] }
                dns:
                  listen: [127.0.0.1:5353]
                  servers: { public: 10.53.2.2 }
                  default: public
                """);
        try (NetextProcess netext = NetextProcess.start(host, "up", profile.toString(), "--log")) {
            netext.awaitConnected(Duration.ofSeconds(30));
            netext.awaitLine(l -> l.contains("dns rules from tunnel both"), Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError(netext.output()));
            assertThat(dig(host, "+short", "db.foo.mycompany.com")).isEqualTo("10.1.2.4");
            assertThat(dig(host, "+short", "www.example")).isEqualTo("192.0.2.10");
            assertThat(netext.awaitLine(l -> l.contains("db.foo.mycompany.com A → foo.mycompany.com→tunnel:both udp://10.53.1.2:53"),
                    Duration.ofSeconds(5))).as(netext.output()).isPresent();
            assertThat(netext.terminate(Duration.ofSeconds(20))).isZero();
            assertThat(netext.output()).contains("tunnel both stopped");
        }
        assertThat(host.run("ip", "link", "show").output()).doesNotContain("netext");
    }
}
