package dev.netext.cli.dns;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.lab.NetextProcess;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 §1: a truncated answer and the client's TCP retry must not stall a split-DNS route. CORP is dnsmasq run by
 * hand ({@code --no-daemon}: one process that, while a TCP connection is open, answers nothing else — not even UDP),
 * serving a ~2 KB TXT record with TTL 0 (so nothing is cached and every query reaches it). Small UDP answers, the
 * truncated one, dig's TCP retry and more UDP answers all come back NOERROR, each in under 100 ms. Before the fix,
 * netext kept its TCP connection for the truncated answer open for 10 s, the retry and every later query to CORP
 * ended in SERVFAIL after 2 s.
 *
 * <pre>
 *   host (netext dns serve 127.0.0.1:5353, dig) ──veth── corp (dnsmasq --no-daemon 10.53.1.2, dnsmasq 10.53.1.3 as PUB)
 * </pre>
 */
class TruncatedAnswerIntegrationTest {
    private static final String TXT = "t".repeat(250);
    private static final long MAX_MILLIS = 100;
    private static final Pattern QUERY_TIME = Pattern.compile("Query time: (\\d+) msec");
    private static final Pattern LOG_MILLIS = Pattern.compile(" ([0-9.]+) ms");

    @NetnsTest
    void truncatedAnswerAndTcpRetryLeaveTheRouteHealthy(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host");
        NetworkNamespace corp = lab.namespace("corp");
        lab.veth("host", "to-corp", "10.53.1.1/24", "corp", "corp0", "10.53.1.2/24");
        corp.addAddress("corp0", dev.netext.api.net.IpPrefix.parse("10.53.1.3/24"));
        String txt = "--txt-record=big.foo.mycompany.com" + (",\"" + TXT + "\"").repeat(8); // 8 × 251 bytes of rdata
        Dnsmasq.start(corp, "10.53.1.2", Dnsmasq.Mode.NO_DAEMON, 0, "--address=/foo.mycompany.com/10.1.2.3", txt);
        Dnsmasq.start(corp, "10.53.1.3", Dnsmasq.Mode.FORKING, 0, "--address=/example/192.0.2.10",
                txt.replace("big.foo.mycompany.com", "big.example"));

        try (NetextProcess netext = NetextProcess.start(host, "dns", "serve", "--listen", "127.0.0.1:5353",
                "--route", "foo.mycompany.com=10.53.1.2", "--default", "10.53.1.3", "--log")) {
            netext.awaitLine(l -> l.contains("dns serving on"), Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));
            // warm-up (a fresh JVM's first queries of each kind take longer): the same kinds through PUB, small ones to CORP
            for (int i = 0; i < 5; i++) {
                assertThat(dig(host, i + ".www.example")).contains("192.0.2.10");
                assertThat(dig(host, "big.example", "TXT")).contains("Truncated, retrying in TCP mode").contains("ANSWER: 1,");
                assertThat(dig(host, "warm" + i + ".foo.mycompany.com")).contains("10.1.2.3");
            }

            List<String> names = new ArrayList<>();
            for (String name : List.of("a.foo.mycompany.com", "b.foo.mycompany.com")) {
                assertFastNoError(dig(host, name), "10.1.2.3", netext);
                names.add(name + " A");
            }
            // UDP with EDNS 1232 (dig's default): truncated; dig asks again over TCP and gets the whole record
            String big = dig(host, "big.foo.mycompany.com", "TXT");
            assertThat(big).contains("Truncated, retrying in TCP mode").contains("ANSWER: 1,");
            assertFastNoError(big, TXT, netext);
            names.add("big.foo.mycompany.com TXT");
            for (String name : List.of("c.foo.mycompany.com", "d.foo.mycompany.com", "e.foo.mycompany.com")) {
                assertFastNoError(dig(host, name), "10.1.2.3", netext);
                names.add(name + " A");
            }

            // netext's side: each query NOERROR from CORP within the bound; the truncated answer and the TCP retry
            // both went to CORP over TCP (TTL 0: nothing came from the cache)
            assertThat(netext.awaitLine(l -> l.contains("e.foo.mycompany.com A"), Duration.ofSeconds(5))).as(netext.output()).isPresent();
            List<String> lines = netext.output().lines()
                    .filter(l -> l.contains(" → foo.mycompany.com→10.53.1.2 ") && !l.contains(" warm")).toList();
            assertThat(lines).as(netext.output()).hasSize(names.size() + 1); // the TXT record twice: UDP, then TCP
            for (String line : lines) {
                assertThat(line).contains(" NOERROR ").doesNotContain(" local ").doesNotContain(" cache ");
                assertThat(millis(line)).as(line).isLessThan(MAX_MILLIS);
            }
            assertThat(lines).anyMatch(l -> l.contains(" udp big.foo.mycompany.com TXT ") && l.contains("tcp://10.53.1.2:53 NOERROR 0 answers"));
            assertThat(lines).anyMatch(l -> l.contains(" tcp big.foo.mycompany.com TXT ") && l.contains("tcp://10.53.1.2:53 NOERROR 1 answer"));
            assertThat(lines.stream().filter(l -> l.contains("udp://10.53.1.2:53"))).hasSize(5);
            assertThat(netext.terminate(Duration.ofSeconds(15))).isZero();
        }
    }

    private static String dig(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", "5353", "+time=3", "+tries=1"));
        cmd.addAll(List.of(args));
        ExecResult r = ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new));
        return r.output();
    }

    /** dig's answer: NOERROR with {@code expected} in it, its query time (the last query's, for a retry) under the bound. */
    private static void assertFastNoError(String dig, String expected, NetextProcess netext) {
        assertThat(dig).as(() -> "netext:\n" + netext.output()).contains("status: NOERROR").contains(expected);
        Matcher m = QUERY_TIME.matcher(dig);
        assertThat(m.find()).as(dig).isTrue();
        assertThat(Long.parseLong(m.group(1))).as(() -> dig + "\nnetext:\n" + netext.output()).isLessThan(MAX_MILLIS);
    }

    /** The duration at the end of a query log line ({@code … NOERROR 1 answer 3.27 ms by …}). */
    private static double millis(String line) {
        Matcher m = LOG_MILLIS.matcher(line);
        double last = -1;
        while (m.find()) last = Double.parseDouble(m.group(1));
        return last;
    }
}
