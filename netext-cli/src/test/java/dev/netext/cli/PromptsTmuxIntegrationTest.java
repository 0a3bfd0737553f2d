package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.ProcessRunner;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext prompts} in a real terminal (issue 14, §2): the daemon pauses two curls on a prompt rule; the command
 * runs in a detached tmux session; the pane shows the older flow's process, host and port and that one more waits;
 * the key for "deny always" drops it and saves the rule ({@code netext rules list --json}); the pane then shows the
 * other flow, and "allow once" lets it through; a later curl of the denied kind is dropped with no prompt. Every flow
 * names the rule that decided it ({@code decided_by}: the profile's {@code web#1}, the saved rule's id,
 * {@code web#default}). Ctrl-C quits with the terminal's settings restored; without a terminal the command refuses in
 * one line.
 */
class PromptsTmuxIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SERVER = "10.79.9.2";

    @TempDir
    Path dir;

    @NetnsTest
    void denyAlwaysAndAllowOnceAreAnsweredFromTheTerminal(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "tmux");
        NetworkNamespace c = lab.namespace("ptmxc"), s = lab.namespace("ptmxs");
        lab.veth(VethEnd.of("ptmxc", "c-eth", "10.79.9.1/24"), VethEnd.of("ptmxs", "s-eth", SERVER + "/24"));
        Path tmuxServer = dir.resolve("tmux.sock"); // a tmux server of this test's own, its socket gone with the directory
        try (HelloHttpServer http = s.runInside(() -> HelloHttpServer.open(new InetSocketAddress(SERVER, 8080)));
             DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(dir.resolve("d")))) {
            d.profile("web.yaml", DaemonUnderTest.PROMPTING_WEB);
            assertThat(d.cli("reload").output()).contains("started web");
            d.awaitComponent("web", comp -> comp.path("status").asText().equals("connected"), WAIT);

            Process first = curl(c, "www.prompt.test").start();
            long firstId = FlowCaptureIntegrationTest.pausedFlow(d, "www.prompt.test");
            Process second = curl(c, "api.prompt.test").start();
            long secondId = FlowCaptureIntegrationTest.pausedFlow(d, "api.prompt.test");
            try {
                Path script = Files.writeString(dir.resolve("prompts.sh"), "exec " + shellWords(promptsCommand(c, d)) + "\n");
                tmux(tmuxServer, "new-session", "-d", "-s", "prompts", "-x", "160", "-y", "40", "sh", "-c",
                        // the trap keeps this shell (not the CLI) alive through Ctrl-C; stty -a shows the settings left
                        "trap true INT; sh " + script + "; echo \"netext exited $?\"; stty -a; sleep 600");

                String shown = awaitPane(tmuxServer, p -> p.contains("flow " + firstId + " ") && p.contains("1 other waits"));
                assertThat(shown).contains("curl[").contains("/curl").contains("www.prompt.test").contains("8080/tcp")
                        .contains(SERVER).contains("D always")
                        .contains("rule web#1: host=*.prompt.test");

                // arrow keys are escape sequences ending in A-D: skipped whole (else Up would answer allow-always),
                // and the D typed right behind them still counts: deny always
                tmux(tmuxServer, "send-keys", "-t", "prompts", "Up", "Right", "D");
                assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("hello");
                shown = awaitPane(tmuxServer, p -> p.contains("flow " + secondId + " ") && p.contains("api.prompt.test"));
                assertThat(shown).contains("flow " + firstId + " (curl[").contains("deny always").doesNotContain("other wait");

                JsonNode rules = rulesJson(d).path("rules");
                assertThat(rules).hasSize(1);
                assertThat(rules.get(0).path("action").asText()).isEqualTo("deny");
                assertThat(rules.get(0).path("host").asText()).isEqualTo("www.prompt.test");
                assertThat(rules.get(0).path("process").asText()).endsWith("/curl");
                assertThat(rules.get(0).path("source").asText()).isEqualTo("prompt");

                tmux(tmuxServer, "send-keys", "-t", "prompts", "-l", "a"); // allow once: no rule
                assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("hello api.prompt.test");
                awaitPane(tmuxServer, p -> p.contains("no flow is waiting") && p.contains("allow once"));
                assertThat(rulesJson(d).path("rules")).hasSize(1);

                // the saved rule drops the next such flow at once: a prompt would hold curl until its --max-time (28)
                ExecResult again = c.run(WAIT, "curl", "-sS", "--max-time", "15", "-H", "Host: www.prompt.test", "http://" + SERVER + ":8080/");
                assertThat(again.exitCode()).as(again.output()).isNotIn(0, 28);
                assertThat(pane(tmuxServer)).contains("no flow is waiting");

                // each flow names the rule that decided it: the profile's prompt rule, the saved rule, the default
                ExecResult other = c.run(WAIT, "curl", "-sS", "--max-time", "15", "-H", "Host: other.test", "http://" + SERVER + ":8080/");
                assertThat(other.output()).contains("hello other.test");
                List<JsonNode> flows = d.flows();
                assertThat(byHost(flows, "api.prompt.test").path("decided_by").toString())
                        .isEqualTo("{\"kind\":\"profile\",\"rule\":\"web#1\",\"match\":\"host=*.prompt.test\",\"action\":\"prompt\"}");
                assertThat(flows.stream().filter(f -> f.path("hostname").asText().equals("www.prompt.test"))
                        .map(f -> f.path("decided_by").path("rule").asText()))
                        .containsExactly("web#1", rules.get(0).path("id").asText()); // prompted, then dropped by the saved rule
                assertThat(byHost(flows, "other.test").path("decided_by").path("rule").asText()).isEqualTo("web#default");
                assertThat(d.cli("flows").output()).contains("[rule web#1]").contains("[rule web#default]");
                assertThat(d.exportedEvents()).anyMatch(e -> e.toString().contains("filter.profile-rule") && e.toString().contains("web#1"));

                NetextProcess noTerminal = d.cli("prompts"); // its output is a pipe
                assertThat(noTerminal.waitFor(WAIT)).isEqualTo(2);
                assertThat(noTerminal.output()).contains("netext prompts needs a terminal");

                tmux(tmuxServer, "send-keys", "-t", "prompts", "C-c"); // quits, and gives the terminal back as it was
                String after = awaitPane(tmuxServer, p -> p.contains("netext exited") && p.contains("icanon"));
                assertThat(after).contains("netext exited 0").contains(" icanon ").contains(" echo ")
                        .doesNotContain("-icanon").doesNotContain("-echo ");
            } finally {
                first.destroyForcibly();
                second.destroyForcibly();
                ProcessRunner.run(List.of("tmux", "-S", tmuxServer.toString(), "kill-server"), Duration.ofSeconds(10));
            }
        }
    }

    /** {@code ip netns exec NS java … netext prompts --control SOCKET}: the CLI as the other tests start it. */
    private static List<String> promptsCommand(NetworkNamespace ns, DaemonUnderTest d) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        cmd.addAll(NetextProcess.javaCommand());
        cmd.addAll(List.of("prompts", "--control", d.socket.toString()));
        return cmd;
    }

    private static String shellWords(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) b.append(b.isEmpty() ? "" : " ").append('\'').append(w.replace("'", "'\\''")).append('\'');
        return b.toString();
    }

    private static ProcessBuilder curl(NetworkNamespace c, String host) {
        return c.command("curl", "-sS", "--max-time", "40", "-H", "Host: " + host, "http://" + SERVER + ":8080/")
                .redirectErrorStream(true);
    }

    private static String tmux(Path server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", server.toString()));
        cmd.addAll(List.of(args));
        return ProcessRunner.run(cmd, Duration.ofSeconds(10)).orThrow().output();
    }

    private static String pane(Path server) throws Exception {
        return tmux(server, "capture-pane", "-p", "-t", "prompts");
    }

    /** The pane's text once it satisfies {@code p}; fails with the last text after {@link #WAIT}. */
    private static String awaitPane(Path server, Predicate<String> p) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = pane(server);
            if (p.test(last)) return last;
            Thread.sleep(200);
        }
        throw new AssertionError("the pane did not show what was expected in " + WAIT + ":\n" + last);
    }


    private static JsonNode byHost(List<JsonNode> flows, String host) {
        return flows.stream().filter(f -> f.path("hostname").asText().equals(host)).findFirst()
                .orElseThrow(() -> new AssertionError("no flow to " + host + " in " + flows));
    }

    private static JsonNode rulesJson(DaemonUnderTest d) throws Exception {
        NetextProcess p = d.cli("rules", "list", "--json");
        assertThat(p.waitFor(WAIT)).as(p.output()).isZero();
        String line = p.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(p.output()));
        return ControlClient.mapper().readTree(line);
    }
}
