package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
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
 * The daemon with a {@code direction: in} prompt rule: a remote namespace's connection to the host's http.server
 * waits as a paused inbound flow ({@code netext flows}: direction {@code in}, the server's process, the service as
 * local end); answered "deny always" through the dashboard API it is reset, the saved rule is an inbound one
 * (this client to this service), and the next connection is dropped at once without a prompt.
 */
class InboundFlowDaemonIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HOST4 = "10.203.0.1", REMOTE4 = "10.203.0.2";

    @TempDir
    Path dir;

    @NetnsTest
    void anInboundPromptAnsweredDenyAlwaysBecomesAnInboundSavedRule(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "python3", "iptables");
        NetworkNamespace host = lab.namespace("host"), remote = lab.namespace("remote");
        lab.veth(VethEnd.of("host", "h-r", HOST4 + "/24"), VethEnd.of("remote", "r-h", REMOTE4 + "/24"));
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "served by the host\n");
        host.exec("sh", "-c", "exec python3 -m http.server 7000 --bind 0.0.0.0 --directory '" + www + "'");
        Path state = Files.createDirectories(dir.resolve("state"));
        try (DaemonUnderTest d = new DaemonUnderTest(host, Files.createDirectories(dir.resolve("d")), "--state-dir", state.toString())) {
            d.profile("inbound.yaml", """
                    name: inbound
                    filter:
                      rules:
                        - { direction: in, port: 7000, action: prompt }
                      prompt-timeout: 60s
                    """);
            assertThat(d.cli("reload").output()).contains("started inbound");
            d.awaitComponent("inbound", c -> c.path("status").asText().equals("connected"), WAIT);

            Process curl = remote.command("curl", "-sS", "--max-time", "40", "http://" + HOST4 + ":7000/hello.txt")
                    .redirectErrorStream(true).start();
            JsonNode paused = pausedInbound(d);
            assertThat(paused.path("direction").asText()).isEqualTo("in");
            assertThat(paused.path("local").asText()).isEqualTo(HOST4 + ":7000");
            assertThat(paused.path("remote").asText()).startsWith(REMOTE4 + ":");
            assertThat(paused.path("process").path("executable").asText()).matches(".*/python3[.\\d]*");
            assertThat(d.cli("flows").output()).contains("in to " + HOST4 + ":7000");

            FlowCaptureIntegrationTest.answer(host, d, paused.path("id").asLong(), "deny-always");
            assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("served");
            assertThat(curl.exitValue()).isEqualTo(7); // reset

            JsonNode rules = ControlClient.mapper().readTree(d.cli("rules", "list", "--json").output());
            assertThat(rules.path("rules")).hasSize(1);
            JsonNode rule = rules.path("rules").get(0);
            assertThat(rule.path("direction").asText()).isEqualTo("in");
            assertThat(rule.path("port").asInt()).isEqualTo(7000);
            assertThat(rule.path("cidr").asText()).isEqualTo(REMOTE4 + "/32");
            assertThat(Files.readString(state.resolve("rules.json"))).contains("\"direction\"");

            long t0 = System.nanoTime();
            ExecResult again = remote.run(WAIT, "curl", "-sS", "--max-time", "20", "http://" + HOST4 + ":7000/hello.txt");
            assertThat(again.exitCode()).as(again.output()).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("no prompt").isLessThan(Duration.ofSeconds(5));
            assertThat(d.cli("flows", "--json").output()).contains("\"decided_by\":{\"kind\":\"saved\",\"rule\":\""
                    + rule.path("id").asText() + "\"}");
            assertThat(d.stop()).as(d.process.output()).isZero();
        }
    }

    private static JsonNode pausedInbound(DaemonUnderTest d) throws Exception {
        return d.awaitFlow("paused inbound flow to :7000", f -> f.path("state").asText().equals("paused")
                && f.path("local").asText().endsWith(":7000"), WAIT);
    }
}
