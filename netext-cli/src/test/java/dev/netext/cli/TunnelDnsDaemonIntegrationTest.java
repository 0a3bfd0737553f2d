package dev.netext.cli;

import dev.netext.lab.peers.Dnsmasq;
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
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, item 1 under the daemon, with DNS a custom provider sets at runtime: a plugin tunnel that calls
 * {@code setTunnelNetworkSettings} with a split-DNS setting while a trigger file exists and without it once the file
 * is gone. The host's resolver follows each call ({@code getent hosts} in the daemon's namespace, whose resolv.conf
 * is {@code /etc/netns/NS/resolv.conf}), and resolv.conf is byte-identical after the DNS is withdrawn and after the
 * daemon stops.
 */
class TunnelDnsDaemonIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ORIGINAL_RESOLVER = "10.95.0.1", CORP_RESOLVER = "10.95.0.3", DAEMON = "10.95.0.2";
    private static final String CORP = "www.corp.example", PUBLIC = "public.example";
    private static final byte[] ORIGINAL = ("nameserver " + ORIGINAL_RESOLVER + "\noptions timeout:1\n").getBytes(StandardCharsets.US_ASCII);

    /** Split DNS to the corp resolver while the trigger file exists; none otherwise. */
    private static final String FLIP = """
            package flip;
            import dev.netext.api.tunnel.*;
            import java.net.InetAddress;
            import java.nio.file.*;
            import java.util.*;
            public class DnsFlip implements PacketTunnelProvider {
                @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                    TunnelNetworkSettings plain = context.profileSettings();
                    TunnelNetworkSettings split = new TunnelNetworkSettings(plain.addresses(), plain.includedRoutes(),
                            plain.excludedRoutes(), plain.mtu(), new DnsSettings(List.of(InetAddress.getByName("%s")),
                            List.of(), List.of("corp.example")), plain.proxy());
                    context.setTunnelNetworkSettings(plain);
                    Path trigger = Path.of((String) options.get("trigger"));
                    context.spawn("flip", () -> {
                        boolean on = false;
                        while (!Thread.currentThread().isInterrupted()) {
                            boolean want = Files.exists(trigger);
                            if (want != on) context.setTunnelNetworkSettings(want ? split : plain);
                            on = want;
                            Thread.sleep(50);
                        }
                    });
                }
                @Override public void stopTunnel(StopReason reason) {}
            }
            """.formatted(CORP_RESOLVER);

    @TempDir
    Path dir;

    private static String resolve(NetworkNamespace ns, String name) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(20), "getent", "hosts", name);
        return r.exitCode() == 0 ? r.output().strip().split("\\s+")[0] : "(getent exit " + r.exitCode() + ")";
    }

    private static void await(Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT + ": " + what);
            Thread.sleep(100);
        }
    }

    @NetnsTest
    void theDaemonAppliesAndWithdrawsDnsAProviderSetsAtRuntime(NetnsLab lab) throws Exception {
        HostPackages.require("getent", "dnsmasq");
        NetworkNamespace ns = lab.namespace("dd"), res = lab.namespace("res");
        lab.veth(VethEnd.of("res", "res-eth", ORIGINAL_RESOLVER + "/24"), VethEnd.of("dd", "dd-eth", DAEMON + "/24"));
        res.ip("addr", "add", CORP_RESOLVER + "/24", "dev", "res-eth");
        Path resolvConf = Files.createDirectories(Path.of("/etc/netns", ns.name())).resolve("resolv.conf");
        Files.write(resolvConf, ORIGINAL);
        Process original = Dnsmasq.start(res, ORIGINAL_RESOLVER, "--address=/" + CORP + "/192.0.2.66", "--address=/" + PUBLIC + "/192.0.2.7");
        Process corp = Dnsmasq.start(res, CORP_RESOLVER, "--address=/" + CORP + "/10.95.0.80", "--address=/" + PUBLIC + "/10.95.0.81");
        Path profiles = Files.createDirectories(dir.resolve("profiles.d"));
        ProviderJar.write(profiles.resolve("plugins/flip.jar"), "flip.DnsFlip", FLIP);
        Path trigger = dir.resolve("dns-on");
        try (DaemonUnderTest d = new DaemonUnderTest(ns, dir)) {
            d.profile("flip.yaml", """
                    name: flip
                    tunnel:
                      provider: flip.DnsFlip
                      interface: nxflip0
                      options: { trigger: %s }
                      settings:
                        addresses: [10.7.31.1/24]
                    """.formatted(trigger));
            assertThat(d.cli("reload").waitFor(WAIT)).isZero();
            d.awaitComponent("flip", c -> c.path("status").asText().equals("connected"), WAIT);
            assertThat(resolve(ns, CORP)).isEqualTo("192.0.2.66");

            Files.createFile(trigger);
            await(() -> resolve(ns, CORP).equals("10.95.0.80"), "corp names go to the tunnel's resolver\n" + d.process.output());
            assertThat(resolve(ns, PUBLIC)).as("other names stay with the original resolver").isEqualTo("192.0.2.7");

            Files.delete(trigger);
            await(() -> java.util.Arrays.equals(Files.readAllBytes(resolvConf), ORIGINAL), "resolv.conf restored when the DNS is withdrawn");
            assertThat(resolve(ns, CORP)).isEqualTo("192.0.2.66");

            Files.createFile(trigger);
            await(() -> resolve(ns, CORP).equals("10.95.0.80"), "applied again");
            assertThat(d.stop()).as(d.process.output()).isZero();
            assertThat(Files.readAllBytes(resolvConf)).as("after the daemon stopped").isEqualTo(ORIGINAL);
        } finally {
            for (Process p : new Process[]{original, corp}) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            Files.deleteIfExists(resolvConf);
        }
    }
}
