package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext capture} against a daemon in a namespace: pings through a pong tunnel, captured both ways through the
 * control socket into pcapng, read back by tshark (packet count, protocols, comments naming flow and direction).
 */
class CaptureIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @NetnsTest
    void pingsThroughAPongTunnelAreCapturedBothWaysAndReadByTshark(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("capture");
        // no IPv6 on the tunnel: its router solicitations and MLD reports would be captured too
        ns.run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").orThrow();
        ns.run("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1").orThrow();
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            d.profile("pong.yaml", """
                    name: pong
                    tunnel:
                      provider: pong
                      interface: nxcap0
                      settings:
                        addresses: [10.7.9.1/24]
                        routes: []
                    """);
            assertThat(d.cli("reload").output()).contains("started pong");
            d.awaitComponent("pong", c -> c.path("status").asText().equals("connected"), WAIT);

            Path out = dir.resolve("pings.pcapng");
            List<String> args = new ArrayList<>(List.of("capture", "--tunnel", "pong", "-w", out.toString(), "--count", "6",
                    "--seconds", "20", "--control", d.socket.toString()));
            try (NetextProcess capture = NetextProcess.start(ns, args.toArray(String[]::new))) {
                capture.awaitLine(l -> l.contains("capturing on nxcap0"), WAIT)
                        .orElseThrow(() -> new AssertionError("capture did not start:\n" + capture.output()));
                ExecResult ping = ns.run(Duration.ofSeconds(30), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.7.9.2");
                assertThat(ping.output()).contains("3 received");
                assertThat(capture.waitFor(WAIT)).as(capture.output()).isZero();
                assertThat(capture.output()).contains("6 packets captured");
            }

            List<String> rows = tshark(out, "-T", "fields", "-E", "separator=|", "-e", "_ws.col.Protocol", "-e", "icmp.type",
                    "-e", "ip.src", "-e", "ip.dst", "-e", "frame.comment", "-e", "frame.interface_name");
            assertThat(rows).hasSize(6);
            String flow = null;
            for (int i = 0; i < 6; i++) {
                String[] f = rows.get(i).split("\\|", -1);
                boolean request = i % 2 == 0;
                assertThat(f[0]).isEqualTo("ICMP");
                assertThat(f[1]).isEqualTo(request ? "8" : "0");
                assertThat(f[2]).isEqualTo(request ? "10.7.9.1" : "10.7.9.2");
                assertThat(f[3]).isEqualTo(request ? "10.7.9.2" : "10.7.9.1");
                assertThat(f[4]).matches(request ? "flow=\\d+ dir=out icmp 10\\.7\\.9\\.1 > 10\\.7\\.9\\.2"
                        : "flow=\\d+ dir=in icmp 10\\.7\\.9\\.2 > 10\\.7\\.9\\.1");
                String thisFlow = f[4].substring(0, f[4].indexOf(' '));
                if (flow == null) flow = thisFlow;
                assertThat(thisFlow).as("one ping's requests and replies are one flow").isEqualTo(flow);
                assertThat(f[5]).isEqualTo("nxcap0");
            }
            // nanosecond timestamps, increasing
            List<String> times = tshark(out, "-T", "fields", "-e", "frame.time_epoch");
            for (int i = 1; i < times.size(); i++) assertThat(Double.parseDouble(times.get(i))).isGreaterThanOrEqualTo(Double.parseDouble(times.get(i - 1)));

            // an unknown tunnel is a clear error, and no capture is left attached: status still answers
            NetextProcess bad = d.cli("capture", "--tunnel", "nope", "-w", dir.resolve("x.pcapng").toString(), "--count", "1");
            assertThat(bad.waitFor(WAIT)).isEqualTo(1);
            assertThat(bad.output()).contains("nope");
            assertThat(d.stop()).as(d.process.output()).isZero();
        }
    }

    static List<String> tshark(Path file, String... args) throws Exception {
        HostPackages.require("tshark");
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tshark on %s (%d bytes):\n%s", file, Files.size(file), out).isZero();
        return out.lines().toList();
    }
}
