package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 §1, must-show 1 (last part): {@code kill -9} of a {@code netext up} whose rules filter judges flows on the
 * fast path. A connection it allowed, and a UDP flow it allowed, are the kernel's (the verdict sits in the
 * connection's mark): they keep talking through the kill. New connections then get the profile's {@code on-failure}
 * — {@code allow}: they pass unjudged; {@code drop}: their SYNs (first datagrams) are dropped. The second
 * {@code netext up} also undoes what the killed one left.
 *
 * <pre>
 *   host (netext up; python clients, curl) ──veth── web (python echo servers TCP and UDP :7000, http.server :80)
 * </pre>
 */
class FastPathKillIntegrationTest {
    private static final Duration START = Duration.ofSeconds(40);
    private static final String WEB = "10.57.1.2";
    @TempDir
    Path dir;

    @NetnsTest
    void allowedFlowsOutliveAKilledNetextAndNewFlowsGetTheFailureSetting(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("host"), web = lab.namespace("web");
        lab.veth("host", "to-web", "10.57.1.1/24", "web", "web0", "10.57.1.2/24");
        FastPathTalkers.serveEchoes(web, WEB);
        web.exec("sh", "-c", "exec python3 -m http.server 80 --bind 10.57.1.2 --directory '" + dir + "' > /dev/null 2>&1");
        awaitListening(web, 7000);
        awaitListening(web, 80);

        // on-failure allow: the allowed flow talks on, and a new one passes unjudged
        try (NetextProcess netext = NetextProcess.start(host, "up", profile("allow").toString(), "--log")) {
            assertThat(netext.awaitLine(l -> l.contains("fast path: TCP SYNs"), START)).as(netext.output()).isPresent();
            CompletableFuture<ExecResult> talker = FastPathTalkers.talk(host, WEB), udpTalker = FastPathTalkers.talkUdp(host, WEB, 6);
            FastPathTalkers.awaitJudged(netext, 2, START);
            netext.kill();
            assertThat(netext.isAlive()).isFalse();
            for (ExecResult talked : List.of(talker.get(20, TimeUnit.SECONDS), udpTalker.get(20, TimeUnit.SECONDS))) {
                assertThat(talked.exitCode()).as(talked.output() + "\n" + netext.output()).isZero();
                assertThat(talked.output()).contains("echoed");
                assertThat(Integer.parseInt(talked.output().strip().split("\\s+")[1])).isGreaterThan(30);
            }
            assertThat(curl(host).exitCode()).as("fail-open: a new flow passes").isZero();
            ExecResult udp = FastPathTalkers.talkUdpNow(host, WEB, 0.5);
            assertThat(udp.exitCode()).as("fail-open: a new UDP flow passes: " + udp.output()).isZero();
        }

        // on-failure drop: the next netext up undoes the dead one's rules first; after its kill new SYNs are dropped
        try (NetextProcess netext = NetextProcess.start(host, "up", profile("drop").toString(), "--log")) {
            assertThat(netext.awaitLine(l -> l.contains("fast path: TCP SYNs"), START)).as(netext.output()).isPresent();
            assertThat(netext.output()).contains("undid");
            CompletableFuture<ExecResult> talker = FastPathTalkers.talk(host, WEB), udpTalker = FastPathTalkers.talkUdp(host, WEB, 6);
            FastPathTalkers.awaitJudged(netext, 2, START);
            netext.kill();
            for (ExecResult talked : List.of(talker.get(20, TimeUnit.SECONDS), udpTalker.get(20, TimeUnit.SECONDS))) {
                assertThat(talked.exitCode()).as(talked.output() + "\n" + netext.output()).isZero();
                assertThat(talked.output()).contains("echoed");
            }
            ExecResult refused = curl(host);
            assertThat(refused.exitCode()).as("fail-closed: a new flow's SYN is dropped").isEqualTo(28);
            ExecResult udp = FastPathTalkers.talkUdpNow(host, WEB, 0.5);
            assertThat(udp.output()).as("fail-closed: a new UDP flow's datagram is dropped").contains("timeout after 0");
        }
    }

    private Path profile(String onFailure) throws Exception {
        return Files.writeString(dir.resolve("fast-" + onFailure + ".yaml"), """
                name: fast
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                  on-failure: %s
                """.formatted(onFailure));
    }

    private static ExecResult curl(NetworkNamespace ns) throws Exception {
        return ns.run(Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "--max-time", "3", "http://10.57.1.2/");
    }

    private static void awaitListening(NetworkNamespace ns, int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-ltn", "sport = :" + port).output().contains(":" + port)) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns);
    }
}
