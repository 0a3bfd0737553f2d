package dev.netext.cli.dns;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.Dnsmasq;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 §3, must-show 3 (DNS side): {@code netext dns serve --blocklist FILE} with a hosts-format list of 100 000
 * names generated here. A listed name gets NXDOMAIN through dig and through glibc ({@code getent hosts}, the
 * namespace's {@code /etc/netns/NS/resolv.conf} naming netext); an unlisted name, and a name below a listed one
 * (hosts entries are exact names), resolve from a real dnsmasq upstream that would answer every one of them; junk
 * lines are reported, not fatal; a name appended to the file is blocked within 5 s, and no query around the reload
 * goes unanswered.
 *
 * <pre>
 *   host (netext dns serve 127.0.0.1:53, dig, getent) ──veth── up (dnsmasq 10.55.1.2: every *.example → 192.0.2.10)
 * </pre>
 */
public class BlockListIntegrationTest {
    public static final int NAMES = 100_000;
    static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void hostsListBlocksItsNamesAndAnAppendedNameWithinFiveSeconds(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host");
        NetworkNamespace up = lab.namespace("up");
        lab.veth("host", "to-up", "10.55.1.1/24", "up", "up0", "10.55.1.2/24");
        Dnsmasq.start(up, "10.55.1.2", "--address=/example/192.0.2.10");
        Path list = writeHostsList(dir.resolve("ads.hosts"));
        Path etc = Path.of("/etc/netns", host.name());
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions timeout:2 attempts:1\n");

        try (NetextProcess netext = NetextProcess.start(host, "dns", "serve", "--listen", "127.0.0.1:53",
                "--default", "10.55.1.2", "--blocklist", list.toString())) {
            netext.awaitLine(l -> l.contains("dns serving on"), START).orElseThrow(() -> new AssertionError(netext.output()));
            assertThat(netext.output()).contains("list ads.hosts (" + list + "): " + NAMES + " names, 0 prefixes from "
                    + (NAMES + 5) + " lines (2 comments, 1 localhost names skipped, 2 junk: lines 4, 5)");

            assertThat(dig(host, "blocked77777.ads.example")).contains("status: NXDOMAIN");
            assertThat(dig(host, "BLOCKED1.ads.example", "AAAA")).contains("status: NXDOMAIN");
            assertThat(dig(host, "free.example")).contains("status: NOERROR").contains("192.0.2.10");
            assertThat(dig(host, "sub.blocked5.ads.example")).as("hosts entries are exact names")
                    .contains("status: NOERROR").contains("192.0.2.10");

            ExecResult blocked = host.run(Duration.ofSeconds(15), "getent", "hosts", "blocked4242.ads.example");
            assertThat(blocked.exitCode()).as(blocked.output()).isEqualTo(2); // "key could not be found"
            assertThat(blocked.output()).isBlank();
            ExecResult free = host.run(Duration.ofSeconds(15), "getent", "hosts", "free.example");
            assertThat(free.exitCode()).as(free.output()).isZero();
            assertThat(free.output()).contains("192.0.2.10");

            assertThat(dig(host, "late.example")).contains("status: NOERROR");
            Files.writeString(list, "0.0.0.0 late.example\n", StandardOpenOption.APPEND);
            long t0 = System.nanoTime();
            List<String> answers = new ArrayList<>();
            String last;
            do {
                last = dig(host, "late.example");
                answers.add(last);
                assertThat(last).as("no query goes unanswered during a reload").contains("status: ");
                Thread.sleep(100);
            } while (!last.contains("NXDOMAIN") && System.nanoTime() - t0 < 10_000_000_000L);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(last).as(netext.output()).contains("status: NXDOMAIN");
            assertThat(millis).as("blocked %d ms after the append", millis).isLessThanOrEqualTo(5000);
            assertThat(netext.awaitLine(l -> l.contains("reloaded in"), Duration.ofSeconds(5))).isPresent();
            assertThat(dig(host, "blocked99999.ads.example")).as("the old names stay blocked").contains("status: NXDOMAIN");
            assertThat(host.run(Duration.ofSeconds(15), "getent", "hosts", "late.example").exitCode()).isEqualTo(2);
            assertThat(netext.terminate(START)).isZero();
        }
    }

    /** {@value #NAMES} names as a hosts file, with the header lines real ones carry and two junk lines. */
    public static Path writeHostsList(Path file) throws Exception {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("# generated by BlockListIntegrationTest\n127.0.0.1 localhost\n\n");
            w.write("0.0.0.0 bad_name!.example\n");            // line 4: junk
            w.write("example.com##.banner\n");                 // line 5: junk (an adblock cosmetic rule)
            for (int i = 0; i < NAMES; i++) w.write("0.0.0.0 blocked" + i + ".ads.example\n");
        }
        return file;
    }

    public static String dig(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "+time=5", "+tries=1"));
        cmd.addAll(List.of(args));
        return ns.run(Duration.ofSeconds(15), cmd.toArray(String[]::new)).output();
    }
}
