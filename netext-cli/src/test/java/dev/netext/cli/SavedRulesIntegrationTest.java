package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Saved rules end to end (issue 14, must-show 2): a curl paused by a prompt is answered "deny always" through the
 * dashboard's API; the daemon restarts on the same state directory; the same curl is dropped at once, with no
 * prompt; {@code netext rules list --json} shows the rule; {@code netext rules delete ID} lets the next flow through
 * (to the prompt again, answered allow-once); a rule added with {@code --for 2s} drops flows, then expires.
 */
class SavedRulesIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void aDenyAlwaysAnswerOutlivesARestartUntilDeletedAndATimedRuleExpires(NetnsLab lab) throws Exception {
        HostPackages.require("curl");
        NetworkNamespace c = lab.namespace("srulc"), s = lab.namespace("sruls");
        lab.veth(VethEnd.of("srulc", "c-eth", "10.79.8.1/24"), VethEnd.of("sruls", "s-eth", "10.79.8.2/24"));
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open("10.79.8.2", 8080));
        Path state = Files.createDirectories(dir.resolve("state"));
        try {
            try (DaemonUnderTest d = start(c, "first", state)) {
                Process curl = curl(c, "www.prompt.test", 40).start();
                long id = FlowCaptureIntegrationTest.pausedFlow(d, "www.prompt.test");
                FlowCaptureIntegrationTest.answer(c, d, id, "deny-always");
                assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("hello");
                assertThat(Files.readString(state.resolve("rules.json"))).contains("\"version\": 1").contains("www.prompt.test");
                assertThat(d.stop()).as(d.process.output()).isZero();
            }
            try (DaemonUnderTest d = start(c, "second", state)) {
                // dropped by the saved rule at once: a prompt would hold curl until its --max-time (exit 28)
                long t0 = System.nanoTime();
                ExecResult denied = c.run(WAIT, "curl", "-sS", "--max-time", "20", "-H", "Host: www.prompt.test", "http://10.79.8.2:8080/");
                assertThat(denied.exitCode()).as(denied.output()).isNotIn(0, 28);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
                assertThat(denied.output()).doesNotContain("hello");
                String flows = d.cli("flows", "--json").output();
                assertThat(flows).doesNotContain("\"paused\"");

                JsonNode listed = rulesJson(d);
                assertThat(listed.path("rules")).hasSize(1);
                JsonNode rule = listed.path("rules").get(0);
                assertThat(rule.path("action").asText()).isEqualTo("deny");
                assertThat(rule.path("host").asText()).isEqualTo("www.prompt.test");
                assertThat(rule.path("process").asText()).endsWith("/curl");
                assertThat(rule.path("profile").asText()).isEqualTo("web");
                assertThat(rule.path("source").asText()).isEqualTo("prompt");
                assertThat(rule.has("expires")).isFalse();
                // the flow names the rule that dropped it
                assertThat(flows).contains("\"decided_by\":{\"kind\":\"saved\",\"rule\":\"" + rule.path("id").asText() + "\"}");
                NetextProcess table = d.cli("rules", "list");
                assertThat(table.output()).contains(rule.path("id").asText()).contains("host=www.prompt.test");

                NetextProcess deleted = d.cli("rules", "delete", rule.path("id").asText());
                assertThat(deleted.waitFor(WAIT)).as(deleted.output()).isZero();
                assertThat(rulesJson(d).path("rules")).isEmpty();
                Process next = curl(c, "www.prompt.test", 40).start();
                long nextId = FlowCaptureIntegrationTest.pausedFlow(d, "www.prompt.test"); // the profile's prompt again
                FlowCaptureIntegrationTest.answer(c, d, nextId, "allow-once");
                assertThat(next.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(next.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("hello www.prompt.test");

                // a rule for 2 s: drops other.test (allowed by the profile), then expires by itself
                assertThat(curl(c, "other.test", 10).start().waitFor(15, TimeUnit.SECONDS)).isTrue();
                NetextProcess added = d.cli("rules", "add", "--action", "deny", "--host", "other.test", "--for", "2s");
                assertThat(added.waitFor(WAIT)).as(added.output()).isZero();
                assertThat(added.output()).contains("added rule").contains("expires");
                // at once (the rule lives 2 s from the daemon's receipt; the CLI's start is before that)
                ExecResult during = c.run(WAIT, "curl", "-sS", "--max-time", "1", "-H", "Host: other.test", "http://10.79.8.2:8080/");
                assertThat(during.output()).doesNotContain("hello");
                Thread.sleep(2_500);
                assertThat(rulesJson(d).path("rules")).isEmpty();
                ExecResult after = c.run(WAIT, "curl", "-sS", "--max-time", "10", "-H", "Host: other.test", "http://10.79.8.2:8080/");
                assertThat(after.output()).contains("hello other.test");
                assertThat(Files.readString(state.resolve("rules.json"))).doesNotContain("other.test");
                assertThat(d.stop()).as(d.process.output()).isZero();
            }
        } finally {
            http.close();
        }
    }

    @NetnsTest
    void aCorruptRulesFileIsMovedAsideAndNamedInTheStatus(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("srulx");
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve("rules.json"), "{\"version\": 1, \"rules\": [\n  {\"id\": \"x\", \"action\": \"deny\",\n");
        try (DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(dir.resolve("d")), "--state-dir", state.toString())) {
            String warning = d.call("status", null).path("daemon").path("rules_warning").asText();
            assertThat(warning).startsWith(state.resolve("rules.json") + ":").contains("moved to");
            assertThat(state.resolve("rules.json")).doesNotExist();
            try (var aside = Files.list(state)) {
                assertThat(aside.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("rules.json.corrupt-"));
            }
            assertThat(d.cli("rules", "list").output()).contains("warning: " + state.resolve("rules.json") + ":");
            assertThat(d.exportedEvents()).anyMatch(e -> e.toString().contains("rules.corrupt"));
        }
    }

    private static DaemonUnderTest start(NetworkNamespace c, String name, Path state) throws Exception {
        DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(state.getParent().resolve(name)), "--state-dir", state.toString());
        d.startPromptingWeb();
        return d;
    }

    private static ProcessBuilder curl(NetworkNamespace c, String host, int maxTime) {
        return c.command("curl", "-sS", "--max-time", Integer.toString(maxTime), "-H", "Host: " + host, "http://10.79.8.2:8080/")
                .redirectErrorStream(true);
    }

    private static JsonNode rulesJson(DaemonUnderTest d) throws Exception {
        NetextProcess p = d.cli("rules", "list", "--json");
        assertThat(p.waitFor(WAIT)).as(p.output()).isZero();
        String line = p.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(p.output()));
        return ControlClient.mapper().readTree(line);
    }
}
