package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netext.api.net.IpPrefix;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.tun.TunDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext diagnose} end to end: a child JVM runs {@link Main} inside a lab namespace (a JVM cannot move its
 * main thread, so the CLI is started there with {@code ip netns exec}) holding two TUN devices with overlapping
 * routes. Root only; skipped otherwise.
 */
class DiagnoseCommandTest {
    private static NetnsLab lab;

    @BeforeAll
    static void createLab() throws Exception {
        boolean root;
        try {
            root = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (Exception e) {
            root = false;
        }
        Assumptions.assumeTrue(root, "integration test skipped: needs root (network namespaces, TUN)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "integration test skipped: no /dev/net/tun");
        lab = NetnsLab.create();
    }

    @AfterAll
    static void closeLab() {
        if (lab != null) lab.close();
    }

    @Test
    void helpListsTheOptions() {
        assertThat(Main.run("diagnose", "--help")).isZero();
    }

    @Test
    void jsonReportsTheOverlapAndExitsWith1AndTextHasTheSameConflict(@TempDir Path state) throws Exception {
        NetworkNamespace ns = lab.namespace("cli");
        ns.ip("tuntap", "add", "dev", "tunf", "mode", "tun");
        ns.linkUp("tunf");
        ns.addAddress("tunf", IpPrefix.parse("10.7.0.1/24"));
        TunDevice tun = ns.runInside(() -> {
            TunDevice t = TunDevice.open();
            try (RtNetlink rtnl = RtNetlink.open()) {
                rtnl.setLinkUp(t.ifindex(), true);
                rtnl.addRoute(Route.to(IpPrefix.parse("10.7.0.0/25")).withOutputInterface(t.ifindex()));
            }
            return t;
        });
        try {
            Result json = runCli(ns, "diagnose", "--json", "--state-dir", state.toString());
            assertThat(json.exitCode).as("stderr: %s", json.stderr).isEqualTo(1);
            JsonNode doc = new ObjectMapper().readTree(json.stdout);
            assertThat(doc.isObject()).as("stdout: %s\nstderr: %s", json.stdout, json.stderr).isTrue();
            assertThat(doc.get("exitCode").asInt()).isEqualTo(1);
            assertThat(doc.get("namespaceInode").asLong()).isEqualTo(ns.inode());
            List<String> tuns = new ArrayList<>();
            doc.get("tunDevices").forEach(t -> tuns.add(t.get("name").asText() + "/" + t.get("owner").asText()));
            assertThat(tuns).containsExactlyInAnyOrder("tunf/foreign", tun.name() + "/foreign");
            JsonNode overlap = null;
            for (JsonNode c : doc.get("conflicts")) if (c.get("code").asText().equals("route-overlap")) overlap = c;
            assertThat(overlap).as("conflicts: %s", doc.get("conflicts")).isNotNull();
            assertThat(overlap.get("severity").asText()).isEqualTo("error");
            assertThat(overlap.get("message").asText()).contains("tunf", tun.name(), "10.7.0.0/24", "10.7.0.0/25");

            Result text = runCli(ns, "diagnose", "--state-dir", state.toString());
            assertThat(text.exitCode).isEqualTo(1);
            assertThat(text.stdout).contains("TUN devices", "Policy rules", "✗ error   route-overlap: TUN devices");
        } finally {
            tun.close();
        }
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    /** Runs the CLI in a child JVM inside {@code ns}, with this JVM's class path. */
    private static Result runCli(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(NetextProcess.javaCommand());
        cmd.addAll(List.of(args));
        Process p = ns.command(cmd.toArray(String[]::new)).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        try {
            p.getOutputStream().close();
            var err = p.getErrorStream();
            var errText = new StringBuilder();
            Thread drain = Thread.ofVirtual().start(() -> {
                try {
                    errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
                } catch (Exception ignored) {
                    // the process was killed
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("netext diagnose finished").isTrue();
            drain.join(5000);
            return new Result(p.exitValue(), out, errText.toString());
        } finally {
            p.destroyForcibly();
        }
    }
}
