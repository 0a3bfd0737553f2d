package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up} with {@code direction: in} rules (issue 14, inbound flows): namespace {@code remote} connects to
 * Python's {@code http.server} in namespace {@code host}. Port 7001 has no rule (allowed by the inbound default),
 * 7002 is dropped, 7000 prompted and dropped when nobody answers; every inbound flow's log line names the server's
 * process. After a {@code kill -9} the queue rules stay and fail open (inbound still served), {@code netext diagnose}
 * names them, the next start removes them, and a clean stop leaves nothing.
 */
class InboundFlowUpIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final String HOST4 = "10.202.0.1", REMOTE4 = "10.202.0.2";

    @TempDir
    Path dir;

    @NetnsTest
    void directionInRulesJudgeConnectionsToLocalServices(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        lab.veth(VethEnd.of("host", "h-r", HOST4 + "/24"), VethEnd.of("remote", "r-h", REMOTE4 + "/24"));
        Files.writeString(dir.resolve("hello.txt"), "served by the host\n");
        for (int port : new int[]{7000, 7001, 7002})
            host.exec("sh", "-c", "exec python3 -m http.server " + port + " --bind 0.0.0.0 --directory '" + dir + "'");
        for (int port : new int[]{7000, 7001, 7002}) awaitListening(host, port);
        Path profile = dir.resolve("inbound.yaml");
        Files.writeString(profile, """
                name: inbound
                filter:
                  rules:
                    - { direction: in, port: 7000, action: prompt }
                    - { direction: in, port: 7002, action: drop }
                    - { host: "*.blocked.test", action: drop }
                  prompt-timeout: 3s
                """);
        try (NetextProcess netext = NetextProcess.start(host, "up", "--log", profile.toString())) {
            assertThat(netext.awaitLine(l -> l.contains("judging inbound connections to local services"), START))
                    .as(netext.output()).isPresent();

            ExecResult ok = curl(remote, 7001);
            assertThat(ok.exitCode()).as(ok.output()).isZero();
            assertThat(ok.output()).contains("served by the host");
            assertThat(netext.awaitLine(l -> l.matches("flow \\d+ opened in tcp " + REMOTE4.replace(".", "\\.") + ":\\d+ to "
                    + HOST4.replace(".", "\\.") + ":7001 by \\S*/python3[.\\d]* pid .*"), START)).as(netext.output()).isPresent();

            ExecResult dropped = curl(remote, 7002);
            assertThat(dropped.exitCode()).as(dropped.output()).isEqualTo(7); // refused: the kernel's RST
            String open7002 = netext.awaitLine(l -> l.contains("opened in tcp") && l.matches(".*:7002 by \\S*/python3[.\\d]* pid .*"), START)
                    .orElseThrow(() -> new AssertionError(netext.output()));
            String id = open7002.split(" ")[1];
            assertThat(netext.awaitLine(l -> l.startsWith("flow " + id + " verdict Drop"), START)).as(netext.output()).isPresent();

            ExecResult prompted = curl(remote, 7000);
            assertThat(prompted.exitCode()).as(prompted.output()).isEqualTo(7);
            String open7000 = netext.awaitLine(l -> l.contains("opened in tcp") && l.matches(".*:7000 by \\S*/python3[.\\d]* pid .*"), START)
                    .orElseThrow(() -> new AssertionError(netext.output()));
            String pid = open7000.split(" ")[1];
            assertThat(netext.awaitLine(l -> l.startsWith("flow " + pid + " prompt ") && l.contains("direction=in"), START))
                    .as(netext.output()).isPresent();
            assertThat(netext.awaitLine(l -> l.startsWith("flow " + pid + " verdict Pause"), START)).as(netext.output()).isPresent();

            netext.kill(); // kill -9: the queue rules stay behind, and let inbound connections through (on-failure: allow)
        }
        assertThat(host.run("iptables", "-t", "mangle", "-S").output()).contains("NETEXT-IN-");
        assertThat(curl(remote, 7002).exitCode()).as("fail-open while no netext holds the queue").isZero();
        try (NetextProcess diagnose = NetextProcess.start(host, "diagnose")) {
            diagnose.waitFor(START);
            assertThat(diagnose.output()).contains("netext inbound ledger") // the mangle chain, not only the filter one
                    .containsPattern("iptables chain NETEXT-IN-20057(?!-R)").containsPattern("iptables jump INPUT → NETEXT-IN-20057(?!-R)")
                    .contains("iptables chain NETEXT-IN-20057-R");
        }

        try (NetextProcess again = NetextProcess.start(host, "up", "--log", profile.toString())) {
            assertThat(again.awaitLine(l -> l.contains("judging inbound connections to local services"), START))
                    .as(again.output()).isPresent();
            assertThat(again.output()).contains("netext: removed what a crashed filter"); // printed before that line
            assertThat(curl(remote, 7002).exitCode()).as("the rule is back").isEqualTo(7);
            assertThat(again.terminate(START)).isZero();
        }
        assertThat(host.run("iptables", "-t", "mangle", "-S").output()).doesNotContain("NETEXT-IN-");
        assertThat(host.run("iptables", "-S").output()).doesNotContain("NETEXT-IN-");
        assertThat(curl(remote, 7002).exitCode()).isZero();
    }

    private static ExecResult curl(NetworkNamespace from, int port) throws Exception {
        return from.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "http://" + HOST4 + ":" + port + "/hello.txt");
    }

    private static void awaitListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Htln", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns);
    }
}
