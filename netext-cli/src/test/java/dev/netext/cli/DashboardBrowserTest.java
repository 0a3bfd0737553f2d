package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must show 5: the dashboard in Debian's headless Chromium, end to end. The daemon runs a filter profile with a
 * prompt rule in a "client" namespace; curl's flow to an HTTP server in a "server" namespace pauses; the page shows
 * the prompt live with the process and hostname; clicking "allow once" in the page resumes the flow and curl gets its
 * answer. A second prompt nobody answers times out to the profile's default (drop), and the page says so; "allow
 * always" resumes a third and lets the next flow to that host through unasked; "deny" resets a fourth.
 */
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void promptsAnsweredInThePageResumeFlowsAndUnansweredOnesTimeOut(NetnsLab lab) throws Exception {
        assertThat(HeadlessChromium.CHROMIUM).as("apt-get install chromium chromium-driver (.ci/run does)").exists();
        assertThat(HeadlessChromium.CHROMEDRIVER).exists();
        NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-eth", "10.79.0.1/24"), VethEnd.of("server", "s-eth", "10.79.0.2/24"));
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open("10.79.0.2", 8080));
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            d.profile("guard.yaml", """
                    name: guard
                    filter:
                      rules:
                        - { host: "*.ask.test", action: prompt }
                      default: allow
                      prompt-timeout: 8s
                      prompt-default: drop
                    """);
            assertThat(d.cli("reload").waitFor(WAIT)).isZero();
            d.awaitComponent("guard", comp -> comp.path("status").asText().equals("connected"), WAIT);
            assertThat(d.dashboardUrl).as(d.process.output()).startsWith("http://127.0.0.1:").contains("/#token=");
            // the status and dashboard commands print the same URL
            assertThat(d.cli("dashboard").output().strip()).isEqualTo(d.dashboardUrl);

            try (HeadlessChromium browser = HeadlessChromium.start(c, 9515)) {
                browser.open(d.dashboardUrl);
                browser.awaitText("#connection", t -> t.equals("live"), WAIT);

                // 1. a flow pauses, the page shows it with process and host, "allow once" resumes it
                Process curl = c.exec("curl", "-sS", "--max-time", "25", "--resolve", "once.ask.test:8080:10.79.0.2",
                        "http://once.ask.test:8080/");
                String prompt = browser.awaitText(".prompt", t -> t.contains("once.ask.test"), WAIT);
                assertThat(prompt).contains("curl[").contains("wants to connect to").contains("http_host");
                assertThat(curl.isAlive()).as("curl waits while the flow is paused").isTrue();
                String id = promptFlowId(browser);
                browser.click(".prompt button.allow-once");
                assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
                String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(curl.exitValue()).as(out).isZero();
                assertThat(out).contains("hello once.ask.test:8080");
                browser.awaitText("#outcome-" + id + " .outcome", t -> t.equals("allow-once"), WAIT);
                browser.awaitText("#flow-" + id + " .verdict", t -> t.equals("allow (rule guard#1: host=*.ask.test → prompt)"), WAIT);
                assertThat(browser.textOf("#flow-" + id + " .process")).startsWith("curl[");
                assertThat(browser.textOf("#flow-" + id + " .host")).isEqualTo("once.ask.test");
                assertThat(browser.find(".prompt")).isEmpty();

                // netext flows: the same flow over the control socket; --follow streams the next one's changes
                String flows = d.cli("flows").output();
                assertThat(flows).contains(FlowsCommand.HEADER.strip()).containsPattern(
                        "(?m)^" + id + " +(?:open|closed) +curl\\[\\d+\\] +once\\.ask\\.test \\(http_host\\) +allow \\[allow-once\\] \\[rule guard#1\\] +10\\.79\\.0\\.2:8080 +direct +\\d+ +\\d+");
                assertThat(d.cli("flows", "--json").output()).contains("\"id\":" + id + ",").contains("\"outcome\":\"allow-once\"");
                NetextProcess follow = NetextProcess.start(c, "flows", "--follow", "--control", d.socket.toString());

                // 2. nobody answers: the prompt times out to the default verdict (drop: curl sees a reset)
                Process late = c.exec("curl", "-sS", "--max-time", "25", "--resolve", "late.ask.test:8080:10.79.0.2",
                        "http://late.ask.test:8080/");
                browser.awaitText(".prompt", t -> t.contains("late.ask.test"), WAIT);
                String lateId = promptFlowId(browser);
                String outcome = browser.awaitText("#outcome-" + lateId + " .outcome", t -> t.startsWith("timed out"), WAIT);
                assertThat(outcome).isEqualTo("timed out → drop");
                assertThat(late.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(late.exitValue()).isNotZero();
                browser.awaitText("#flow-" + lateId + " .state", t -> t.equals("dropped"), WAIT);

                // 3. "allow always": this flow resumes and the next one to the same host by the same program is not asked
                Process always = c.exec("curl", "-sS", "--max-time", "25", "--resolve", "always.ask.test:8080:10.79.0.2",
                        "http://always.ask.test:8080/");
                browser.awaitText(".prompt", t -> t.contains("always.ask.test"), WAIT);
                String alwaysId = promptFlowId(browser);
                browser.click(".prompt button.allow-always");
                assertThat(always.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(always.exitValue()).isZero();
                browser.awaitText("#outcome-" + alwaysId + " .outcome", t -> t.equals("allow-always"), WAIT);
                var again = c.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "--resolve",
                        "always.ask.test:8080:10.79.0.2", "http://always.ask.test:8080/again");
                assertThat(again.exitCode()).as(again.output()).isZero();
                assertThat(again.output()).contains("hello always.ask.test:8080");
                assertThat(browser.find(".prompt")).isEmpty();
                // the answer is a saved rule: listed, named by the flow it allowed, and deleted from the page
                String rule = browser.awaitText("#rules tbody tr", t -> t.contains("host=always.ask.test"), WAIT);
                assertThat(rule).contains("allow").contains("prompt").contains("never");
                String ruleId = rule.substring(0, 8);
                browser.awaitText("#flows tbody", t -> t.contains("allow (rule " + ruleId + ")"), WAIT);
                browser.click("#rules button.delete");
                browser.awaitText("#rules", t -> !t.contains("always.ask.test"), WAIT);
                assertThat(d.cli("rules", "list", "--json").output()).contains("\"rules\":[]");

                // 4. "deny": curl sees the connection reset at once
                Process denied = c.exec("curl", "-sS", "--max-time", "25", "--resolve", "no.ask.test:8080:10.79.0.2",
                        "http://no.ask.test:8080/");
                browser.awaitText(".prompt", t -> t.contains("no.ask.test"), WAIT);
                String deniedId = promptFlowId(browser);
                browser.click(".prompt button.deny");
                assertThat(denied.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(denied.exitValue()).isNotZero();
                browser.awaitText("#outcome-" + deniedId + " .outcome", t -> t.equals("deny"), WAIT);
                browser.awaitText("#flow-" + deniedId + " .verdict", t -> t.equals("drop (rule guard#1: host=*.ask.test → prompt)"), WAIT);

                try (follow) {
                    assertThat(follow.awaitLine(l -> l.startsWith(lateId + " ") && l.contains("paused") && l.contains("late.ask.test"), WAIT))
                            .as(follow.output()).isPresent();
                    assertThat(follow.awaitLine(l -> l.startsWith(lateId + " ") && l.contains("dropped") && l.contains("drop [timeout]"), WAIT))
                            .as(follow.output()).isPresent();
                    assertThat(follow.terminate(WAIT)).isZero();
                }
            }
        } finally {
            http.close();
        }
    }

    /** The flow id of the (only) prompt card on the page: its element id is {@code prompt-ID}. */
    private static String promptFlowId(HeadlessChromium browser) throws Exception {
        String idAttr = browser.attributeOf(".prompt[id^='prompt-']", "id");
        if (idAttr != null) return idAttr.substring("prompt-".length());
        throw new AssertionError("no prompt card on the page:\n" + browser.textOf("body"));
    }
}
