package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext up} for real: a child JVM per tunnel inside a namespace of the test's own, real ping and TCP, the
 * network state compared before and after. The "must show" list of the foundation issue, one test each.
 */
class TunnelUpIntegrationTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Path profile(String provider, String extra) throws Exception {
        Path p = dir.resolve(provider + ".yaml");
        Files.writeString(p, """
                name: it-%s
                tunnel:
                  provider: %s
                  settings:
                    addresses: [10.7.0.1/24, "fd84:306d:fc4e::1/64"]
                    routes: [10.7.0.0/24, "fd84:306d:fc4e::/64"]
                    excluded-routes: []
                    mtu: 1400
                    dns: { servers: [10.7.0.53], match-domains: [corp.example] }
                %s""".formatted(provider, provider, extra));
        return p;
    }

    private static void ping(NetworkNamespace ns, String address) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "2", address);
        assertThat(r.exitCode()).as("ping %s:\n%s", address, r.output()).isZero();
        assertThat(r.output()).contains("3 received");
    }

    /** A TCP connection to {@code address} inside the namespace: accept, exchange a line both ways. */
    private static void tcpConnect(NetworkNamespace ns, String address) throws Exception {
        ns.runInside(() -> {
            InetAddress a = InetAddress.getByName(address);
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(a, 0));
                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress(a, server.getLocalPort()), 3000);
                    try (Socket accepted = server.accept()) {
                        OutputStream out = client.getOutputStream();
                        out.write("hello\n".getBytes());
                        out.flush();
                        InputStream in = accepted.getInputStream();
                        assertThat(new String(in.readNBytes(6))).isEqualTo("hello\n");
                    }
                }
            }
            return null;
        });
    }

    @NetnsTest
    void echoTunnelOwnAddressesAcceptPingAndTcpOnBothFamilies(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("echo");
        try (NetextProcess netext = NetextProcess.up(ns, profile("echo", ""))) {
            assertThat(netext.awaitConnected(START)).contains("on netext0");
            ping(ns, "10.7.0.1");
            ping(ns, "fd84:306d:fc4e::1");
            tcpConnect(ns, "10.7.0.1");
            tcpConnect(ns, "fd84:306d:fc4e::1");
            assertThat(netext.terminate(STOP)).isZero();
        }
    }

    /** {@code netext up FILE --option k=v}: the provider's {@code TunnelContext.startOptions()}, as given. */
    @NetnsTest
    void startOptionsReachTheProviderInTheForeground(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("opts");
        ProviderJar.write(dir.resolve("plugins/opts.jar"), "opts.Opts", """
                package opts;
                import dev.netext.api.tunnel.*;
                import java.util.Map;
                import java.util.TreeMap;
                public class Opts implements PacketTunnelProvider {
                    @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                        context.log("start options " + new TreeMap<>(context.startOptions()) + ", provider options " + options);
                        context.setTunnelNetworkSettings(context.profileSettings());
                    }
                    @Override public void stopTunnel(StopReason reason) {}
                }
                """);
        Path p = profile("opts.Opts", "  options: { level: 3 }\n");
        try (NetextProcess netext = NetextProcess.start(ns, "up", p.toString(), "--option", "greeting=hi", "--option", "empty=")) {
            netext.awaitConnected(START);
            assertThat(netext.output()).contains("start options {empty=, greeting=hi}, provider options {level=3}");
            assertThat(netext.terminate(STOP)).isZero();
        }
    }

    @NetnsTest
    void pongAnswersThroughTheTunnelBothWays(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("pong");
        try (NetextProcess netext = NetextProcess.up(ns, profile("pong", ""))) {
            netext.awaitConnected(START);
            ping(ns, "10.7.0.2");
            ping(ns, "fd84:306d:fc4e::2");
            assertThat(netext.terminate(STOP)).isZero();
            // the provider saw the requests and wrote the replies: 6 echo requests in, 6 replies out at least
            String stopped = netext.awaitLine(l -> l.contains("stopped;"), STOP).orElseThrow(() -> new AssertionError(netext.output()));
            assertThat(stopped).containsPattern("in (\\d+) packets").containsPattern("out ([6-9]|\\d\\d+) packets");
        }
    }

    @NetnsTest
    void coexistsWithAForeignTunDeviceAndNeverTakesItOver(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("foreign");
        // another VPN's device, named where netext would start, holding a route that overlaps netext's
        ns.ip("tuntap", "add", "dev", "netext0", "mode", "tun").orThrow();
        ns.ip("addr", "add", "10.8.0.1/24", "dev", "netext0").orThrow();
        ns.ip("link", "set", "netext0", "up").orThrow();
        ns.ip("route", "add", "10.7.0.0/16", "dev", "netext0").orThrow();
        String foreignBefore = ns.ip("-o", "addr", "show", "dev", "netext0").orThrow().output();

        try (NetextProcess netext = NetextProcess.up(ns, profile("pong", ""))) {
            assertThat(netext.awaitConnected(START)).contains("on netext1");
            ping(ns, "10.7.0.2"); // the more specific /24 through netext1 wins
            assertThat(ns.ip("route", "get", "10.7.0.2").orThrow().output()).contains("dev netext1");
            assertThat(ns.ip("route", "get", "10.7.9.9").orThrow().output()).contains("dev netext0");
            try (NetextProcess diagnose = NetextProcess.start(ns, "diagnose")) {
                assertThat(diagnose.waitFor(START)).as(diagnose.output()).isEqualTo(1);
                assertThat(diagnose.output())
                        .containsPattern("route-overlap: TUN devices (netext1 and netext0|netext0 and netext1)")
                        .contains("10.7.0.0/24 dev netext1").contains("10.7.0.0/16 dev netext0");
                assertThat(diagnose.output()).containsPattern("netext1 .* ours").containsPattern("netext0 .* foreign");
            }
            assertThat(netext.terminate(STOP)).isZero();
        }
        assertThat(ns.ip("-o", "addr", "show", "dev", "netext0").orThrow().output()).isEqualTo(foreignBefore);
        assertThat(ns.ip("route", "show").orThrow().output()).contains("10.7.0.0/16 dev netext0");
        assertThat(ns.run("ip", "link", "show", "netext1").exitCode()).isNotZero();
    }

    @NetnsTest
    void sigtermLeavesNothingAndKillMinus9IsRecoveredByTheNextStart(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("crash");
        NetworkState before = NetworkState.of(ns);
        // a full tunnel with an exclusion: policy rules and a table of its own, what a crash would strand
        Path full = dir.resolve("full.yaml");
        Files.writeString(full, """
                tunnel:
                  provider: pong
                  settings:
                    addresses: [10.7.0.1/24, "fd84:306d:fc4e::1/64"]
                    routes: [0.0.0.0/0, "::/0"]
                    excluded-routes: [10.7.5.0/24]
                    mtu: 1400
                """);

        try (NetextProcess netext = NetextProcess.up(ns, full)) {
            netext.awaitConnected(START);
            assertThat(ledgerFor(netext.pid())).exists();
            assertThat(NetworkState.of(ns).rules()).contains("suppress_prefixlength 0").contains("not from all fwmark");
            ping(ns, "10.7.0.2");
            assertThat(netext.terminate(STOP)).isZero();
            assertThat(ledgerFor(netext.pid())).doesNotExist();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);

        NetextProcess crashed = NetextProcess.up(ns, full);
        crashed.awaitConnected(START);
        crashed.kill();
        NetworkState stranded = NetworkState.of(ns);
        assertThat(stranded.rules()).contains("not from all fwmark"); // the kernel keeps rules of a dead process
        assertThat(stranded.routes()).contains("throw 10.7.5.0/24");
        assertThat(ledgerFor(crashed.pid())).exists();

        try (NetextProcess next = NetextProcess.up(ns, profile("echo", ""))) {
            next.awaitConnected(START);
            assertThat(next.output()).contains("removed what a crashed instance (pid " + crashed.pid() + ") left");
            assertThat(ledgerFor(crashed.pid())).doesNotExist();
            NetworkState running = NetworkState.of(ns);
            assertThat(running.rules()).doesNotContain("fwmark").doesNotContain("suppress");
            assertThat(running.routes()).doesNotContain("throw");
            ping(ns, "10.7.0.1");
            assertThat(next.terminate(STOP)).isZero();
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    @NetnsTest
    void badProfilesFailBeforeTouchingTheNetwork(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("bad");
        NetworkState before = NetworkState.of(ns);
        record Case(String yaml, String expected) {}
        var cases = java.util.List.of(
                new Case("tunnel:\n  provider: pong\n  setings: {}\n", ":3: tunnel.setings: unknown key (did you mean 'settings'?)"),
                new Case("tunnel:\n  provider: pong\n  settings:\n    addresses: [10.7.0.1/33]\n",
                        ":4: tunnel.settings.addresses[0]: '10.7.0.1/33'"),
                new Case("tunnel:\n  provider: com.example.NoSuchProvider\n  settings:\n    addresses: [10.7.0.1/24]\n",
                        ":2: tunnel.provider: class 'com.example.NoSuchProvider' not found"));
        int i = 0;
        for (Case c : cases) {
            Path p = dir.resolve("bad" + i++ + ".yaml");
            Files.writeString(p, c.yaml());
            try (NetextProcess netext = NetextProcess.up(ns, p)) {
                assertThat(netext.waitFor(START)).isEqualTo(2);
                assertThat(netext.output()).contains(p + c.expected());
            }
        }
        assertThat(NetworkState.of(ns)).isEqualTo(before);
    }

    private static Path ledgerFor(long pid) throws Exception {
        Path dir = Path.of("/run/netext");
        if (!Files.isDirectory(dir)) return dir.resolve("tunnel-none-" + pid + ".state");
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-" + pid + ".state")).findFirst()
                    .orElse(dir.resolve("tunnel-none-" + pid + ".state"));
        }
    }
}
