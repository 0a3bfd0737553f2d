package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.traffic.HelloHttpServer;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §4: a tunnel's HTTP proxy settings reach the host. Namespaces: the client (the daemon, and login shells
 * run with {@code bash -l}), a proxy (Debian's tinyproxy) and an origin the client has no route to — only through
 * the proxy. While the profile's tunnel is up, curl in a new login session reaches the origin through tinyproxy (the
 * origin sees tinyproxy's address), goes direct to an excepted network, and fetches the PAC file from loopback; a
 * plain shell, which never read the session environment, has no route. After {@code netext down} the environment is
 * gone again; after {@code kill -9} of the daemon it stays until {@code netext diagnose --fix} removes it.
 * {@code ip netns exec} binds {@code /etc/netns/NS/profile.d} over {@code /etc/profile.d}, so nothing reaches the
 * host's own sessions.
 */
class HostProxyIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ORIGIN = "http://10.82.1.2:8080/";

    @TempDir
    Path dir;

    @NetnsTest
    void loginSessionsUseTheTunnelsProxyUntilItStops(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "tinyproxy", "bash");
        NetworkNamespace c = lab.namespace("hpc"), p = lab.namespace("hpp"), o = lab.namespace("hpo");
        lab.veth(VethEnd.of("hpc", "c-eth", "10.82.0.1/24"), VethEnd.of("hpp", "pc-eth", "10.82.0.2/24"));
        lab.veth(VethEnd.of("hpp", "po-eth", "10.82.1.1/24"), VethEnd.of("hpo", "o-eth", "10.82.1.2/24"));
        Path profileD = Files.createDirectories(Path.of("/etc/netns", c.name(), "profile.d")); // removed with the lab
        Path envFile = profileD.resolve("netext-proxy-office.sh");
        Files.writeString(dir.resolve("tinyproxy.conf"), """
                User nobody
                Group nogroup
                Port 8888
                Listen 10.82.0.2
                Timeout 30
                MaxClients 20
                LogLevel Info
                Allow 10.82.0.0/24
                """);
        Process tinyproxy = p.exec("sh", "-c", "exec /usr/bin/tinyproxy -d -c '" + dir.resolve("tinyproxy.conf") + "' > '"
                + dir.resolve("tinyproxy.log") + "' 2>&1");
        HelloHttpServer origin = o.runInside(() -> HelloHttpServer.open("10.82.1.2", 8080));
        HelloHttpServer excepted = p.runInside(() -> HelloHttpServer.open("10.82.0.2", 8081));
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            awaitListening(p, "10.82.0.2", 8888);
            d.profile("office.yaml", """
                    name: office
                    tunnel:
                      provider: pong
                      interface: nxhp0
                      settings:
                        addresses: [10.7.34.1/24]
                        proxy: { http: "10.82.0.2:8888", https: "10.82.0.2:8888", exceptions: ["10.82.0.0/24", "*.lan"] }
                    """);
            assertThat(d.cli("reload").output()).contains("started office");
            d.awaitComponent("office", comp -> comp.path("status").asText().equals("connected"), WAIT);
            assertThat(envFile).exists();

            // a new login session: through tinyproxy to the origin, direct to the excepted network, the PAC on loopback
            ExecResult proxied = login(c, "curl -sS --max-time 8 " + ORIGIN);
            assertThat(proxied.output()).as(proxied.output()).isEqualTo("hello 10.82.1.2:8080 from 10.82.1.1");
            ExecResult direct = login(c, "curl -sS --max-time 8 http://10.82.0.2:8081/");
            assertThat(direct.output()).isEqualTo("hello 10.82.0.2:8081 from 10.82.0.1");
            ExecResult pac = login(c, "curl -sS --max-time 8 \"$auto_proxy\"");
            assertThat(pac.output()).contains("function FindProxyForURL(url, host)",
                    "if (isInNet(host, \"10.82.0.0\", \"255.255.255.0\")) return \"DIRECT\";",
                    "if (shExpMatch(host, \"*.lan\")) return \"DIRECT\";", "return \"PROXY 10.82.0.2:8888\";");
            assertThat(login(c, "echo \"$auto_proxy\"").output()).matches("http://127\\.0\\.0\\.1:\\d+/proxy\\.pac");
            ExecResult plain = c.run(Duration.ofSeconds(20), "bash", "-c", "curl -sS --max-time 5 " + ORIGIN);
            assertThat(plain.exitCode()).as("no session environment, no route: " + plain.output()).isNotZero();
            assertThat(Files.readString(dir.resolve("tinyproxy.log"))).contains("10.82.1.2");

            // a clean stop takes it away
            assertThat(d.cli("down", "office").waitFor(WAIT)).isZero();
            assertThat(envFile).doesNotExist();
            assertThat(login(c, "echo \"[$http_proxy][$auto_proxy]\"").output()).isEqualTo("[][]");
            assertThat(login(c, "curl -sS --max-time 5 " + ORIGIN).exitCode()).isNotZero();

            // kill -9: the files stay (named in the ledger) until diagnose --fix
            assertThat(d.cli("up", "office").waitFor(WAIT)).isZero();
            d.awaitComponent("office", comp -> comp.path("status").asText().equals("connected"), WAIT);
            assertThat(envFile).exists();
            d.process.kill();
            assertThat(envFile).as("left by the killed daemon").exists();
            NetextProcess fix = NetextProcess.start(c, "diagnose", "--fix", "--state-dir", d.state.toString());
            fix.waitFor(WAIT);
            assertThat(envFile).as(fix.output()).doesNotExist();
            assertThat(login(c, "echo \"[$http_proxy]\"").output()).isEqualTo("[]");
        } finally {
            tinyproxy.destroy();
            origin.close();
            excepted.close();
        }
    }

    /** {@code bash -lc SCRIPT} in {@code ns}: a new login session, which reads /etc/profile.d. */
    private static ExecResult login(NetworkNamespace ns, String script) throws Exception {
        ExecResult r = ns.run(Duration.ofSeconds(20), "bash", "-lc", script);
        return new ExecResult(r.command(), r.exitCode(), r.output().strip(), r.timedOut());
    }

    private static void awaitListening(NetworkNamespace ns, String address, int port) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (ns.run(Duration.ofSeconds(5), "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port).exitCode() == 0) return;
            Thread.sleep(100);
        }
        throw new AssertionError(address + ":" + port + " never listened");
    }
}
