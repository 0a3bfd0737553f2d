package dev.netext.cli.dns;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.lab.NetextProcess;
import dev.netext.testkit.netns.NetnsTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext dns serve} on loopback in a namespace that has only {@code lo} (no MAC address anywhere, where Netty
 * used to warn through MacAddressUtil), issue 11 defect 7: an EDNS version 1 query gets BADVERS from dig and kdig; a
 * run, a bind failure and a stop print one style of line — {@code netext: …} — and no library noise.
 */
class DnsServeConsoleIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @NetnsTest
    void ednsVersionOneIsBadVersionAndTheConsoleHasOneStyle(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("dns");
        List<String> console = new ArrayList<>();
        try (NetextProcess netext = NetextProcess.start(ns, "dns", "serve", "--listen", "127.0.0.1:5353",
                "--default", "127.0.0.1:5399")) {
            netext.awaitLine(l -> l.contains("dns serving on"), WAIT)
                    .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));

            // dig negotiates the version down by itself unless told not to; the answer must be BADVERS with OPT version 0
            ExecResult dig = ns.run(Duration.ofSeconds(15), "dig", "@127.0.0.1", "-p", "5353", "+time=3", "+tries=1",
                    "+edns=1", "+noednsneg", "example.com", "A");
            assertThat(dig.output()).as(dig.output()).contains("status: BADVERS").contains("EDNS: version: 0");
            ExecResult kdig = ns.run(Duration.ofSeconds(15), "kdig", "@127.0.0.1", "-p", "5353", "+time=3", "+retry=0",
                    "+edns=1", "example.com", "A");
            assertThat(kdig.output()).as(kdig.output()).contains("BADVERS").contains("Version: 0");
            // a version 0 query is not refused by version (its upstream is absent, so SERVFAIL within the timeout)
            ExecResult v0 = ns.run(Duration.ofSeconds(15), "dig", "@127.0.0.1", "-p", "5353", "+time=5", "+tries=1",
                    "example.com", "A");
            assertThat(v0.output()).as(v0.output()).contains("status: SERVFAIL").doesNotContain("BADVERS");

            // a bind failure in a second instance: one precise line, same style
            try (NetextProcess failing = NetextProcess.start(ns, "dns", "serve", "--listen", "10.99.99.99:5353",
                    "--default", "127.0.0.1:5399")) {
                assertThat(failing.waitFor(WAIT)).as(failing.output()).isEqualTo(1);
                assertThat(failing.output()).contains("10.99.99.99");
                console.addAll(failing.lines());
            }
            assertThat(netext.terminate(WAIT)).isZero();
            netext.awaitLine(l -> l.contains("dns stopped"), WAIT).orElseThrow(() -> new AssertionError(netext.output()));
            console.addAll(netext.lines());
        }
        assertThat(console).as(String.join("\n", console))
                .isNotEmpty()
                .allMatch(l -> l.startsWith("netext: "), "starts with 'netext: '")
                .noneMatch(l -> l.contains("MacAddressUtil"), "mentions MacAddressUtil")
                .noneMatch(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d.*"), "starts with a timestamp")
                .noneMatch(l -> l.contains(" WARN ") || l.contains(" INFO "), "carries a logback level column");
    }
}
