package dev.netext.cli;

import dev.netext.cli.sandbox.SandboxRun;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsExtension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext sandbox} end to end: it builds its network, runs the daemon on the default profile (tunnel, split DNS,
 * filter with a prompt rule, dashboard, a SOCKS5 proxy on microsocks), drives traffic through it, reports, and cleans
 * up.
 */
@Tag("netns")
@ExtendWith(NetnsExtension.class)
class SandboxIntegrationTest {

    @Test
    void sandboxRunsTheDefaultProfileAndLeavesNothingBehind() throws Exception {
        // the sandbox's peers (the build installs them before the tests): a missing one fails here, naming its package
        HostPackages.require("dnsmasq", "dig", "microsocks", "curl", "ping");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = new SandboxRun(out, null, 2000, false).run();
        }
        String report = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(report).isZero();
        assertThat(report)
                .containsPattern("ICMP echo 10\\.7\\.0\\.2\\s+tunnel netext0\\s+5\\s+5\\s+0%")
                .containsPattern("ICMPv6 echo fd84:306d:fc4e::2\\s+tunnel netext0\\s+5\\s+5\\s+0%")
                .containsPattern("UDP 1000 B → 10\\.7\\.0\\.2:7\\s+tunnel netext0\\s+2000")
                .containsPattern("ICMP echo 10\\.99\\.0\\.1\\s+veth eth0 \\(direct\\)\\s+5\\s+5")
                // split DNS: corp names answered by the corp namespace's dnsmasq, others by the internet's
                .containsPattern("DNS A intranet\\.corp\\.example\\s+netext → udp://10\\.98\\.0\\.53:53 \\(corp\\.example→corp\\)\\s+1\\s+1\\s+0%\\s+10\\.98\\.1\\.10")
                .containsPattern("DNS A git\\.corp\\.example\\s+netext → udp://10\\.98\\.0\\.53:53 .*10\\.98\\.1\\.11")
                .containsPattern("DNS A www\\.example\\.org\\s+netext → udp://10\\.99\\.0\\.1:53 \\(\\*→public\\)\\s+1\\s+1\\s+0%\\s+192\\.0\\.2\\.80")
                .containsPattern("DNS A mail\\.example\\.org\\s+netext → udp://10\\.99\\.0\\.1:53 .*192\\.0\\.2\\.25")
                .containsPattern("DNS A intranet\\.corp\\.example\\s+netext → cache \\(corp\\.example→corp\\)")
                .containsPattern("DNS A tracker\\.ads\\.example\\s+netext → blocked \\(ads\\.example→block\\)\\s+1\\s+1\\s+0%\\s+NXDOMAIN")
                .containsPattern("ICMP echo 10\\.66\\.0\\.1\\s+WireGuard wgd[0-9a-f]{4}\\s+5\\s+5\\s+0%")
                .containsPattern("UDP 1000 B → 10\\.66\\.0\\.1:7\\s+WireGuard wgd[0-9a-f]{4}\\s+2000")
                // the daemon runs the profile: its dashboard, TCP flows through the filter, a prompt answered over the dashboard's API
                .containsPattern("dashboard \\(live flows, prompts, DNS, tunnel throughput\\): http://127\\.0\\.0\\.1:\\d+/#token=[A-Za-z0-9_-]{43}\n")
                .containsPattern("DNS A web\\.example\\.org\\s+netext → udp://10\\.99\\.0\\.1:53 .*10\\.99\\.0\\.1")
                .containsPattern("HTTP web\\.example\\.org\\s+netext filter → direct\\s+1\\s+1\\s+0%\\s+HTTP 200, \\d+ B")
                .containsPattern("HTTP www\\.prompt\\.example \\(prompt\\)\\s+netext filter → direct\\s+1\\s+1\\s+0%\\s+HTTP 200, \\d+ B; paused, answered allow-once \\(flow \\d+\\)")
                .containsPattern("tunnel on netext0: [1-9]\\d* packets \\(\\d+ B\\) in")
                .contains("netext daemon stopped by SIGTERM, exit code 0")
                .contains("WireGuard ends stopped by SIGTERM, exit code 0")
                .contains("exit code 0")
                .contains("removed; nothing is left on this machine");
        // the profile's proxy: a flow its host rule selects goes through microsocks, so the server sees microsocks'
        // address (10.99.0.1, the internet namespace's own) instead of the device's (10.99.0.2)
        assertThat(report)
                .containsPattern("proxy socks: order 1, socks5 10\\.99\\.0\\.1:1080, 1 include")
                .containsPattern("HTTP www\\.proxied\\.example \\(proxied\\)\\s+netext filter → proxy socks \\(microsocks\\)\\s+1\\s+1\\s+0%\\s+HTTP 200, \\d+ B, the server saw 10\\.99\\.0\\.1\n");
        String prefix = report.replaceAll("(?s).*namespace (nx[0-9a-f]{4})-device.*", "$1");
        assertThat(Files.exists(Path.of("/run/netns", prefix + "-device"))).isFalse();
        assertThat(Files.exists(Path.of("/run/netns", prefix + "-internet"))).isFalse();
        assertThat(Files.exists(Path.of("/run/netns", prefix + "-gateway"))).isFalse();
        assertThat(Files.exists(Path.of("/run/netns", prefix + "-corp"))).isFalse();
    }
}
