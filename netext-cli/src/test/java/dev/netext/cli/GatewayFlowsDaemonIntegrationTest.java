package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon filtering as a gateway: the same client requests, first with {@code fast-path: false} (every forwarded
 * flow relayed by the gateway's sockets), then with the fast path (the default: allowed flows forwarded by the kernel),
 * give the same {@code netext flows} lines — state, direction, local address, remote, name and its source, process,
 * verdict and the rule that decided it — only the flow id, the client's port and the byte counts differ.
 *
 * <pre>
 *   client (curl) ──veth── gw (netext daemon, gateway: [gw-c]) ──veth── server (hello HTTP :8080)
 * </pre>
 */
class GatewayFlowsDaemonIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CLIENT = "10.85.1.2", SERVER = "10.85.2.2";
    private static final List<String> HOSTS = List.of("www.allowed.test", "x.blocked.test");

    @TempDir
    Path dir;

    @NetnsTest
    void forwardedFlowsOnTheFastPathAreListedAsOnTheTerminatedPath(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "iptables", "nft");
        NetworkNamespace c = lab.namespace("client"), gw = lab.namespace("gw"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-gw", CLIENT + "/24"), VethEnd.of("gw", "gw-c", "10.85.1.1/24"));
        lab.veth(VethEnd.of("gw", "gw-s", "10.85.2.1/24"), VethEnd.of("server", "s-gw", SERVER + "/24"));
        c.ip("route", "add", "default", "via", "10.85.1.1").orThrow();
        s.ip("route", "add", "default", "via", "10.85.2.1").orThrow();
        gw.setSysctl("net.ipv4.ip_forward", "1");
        HelloHttpServer http = s.runInside(() -> HelloHttpServer.open(SERVER, 8080));
        try (DaemonUnderTest d = new DaemonUnderTest(gw, Files.createDirectories(dir.resolve("d")))) {
            run(d, c, "fast-path: false");
            assertThat(http.lastPeer()).as("terminated: relayed from the gateway").isEqualTo("10.85.2.1");
            run(d, c, "");
            assertThat(http.lastPeer()).as("fast path: forwarded by the kernel").isEqualTo(CLIENT);
            assertThat(gw.run("iptables", "-t", "mangle", "-S").output()).contains("-A PREROUTING -i gw-c -j NETEXT-FP-20056-FWD");

            for (String host : HOSTS) {
                List<JsonNode> flows = d.flows().stream().filter(f -> f.path("hostname").asText().equals(host))
                        .sorted(Comparator.comparingLong(f -> f.path("id").asLong())).toList();
                assertThat(flows).as(host).hasSize(2);
                JsonNode terminated = flows.get(0), fast = flows.get(1);
                assertThat(comparable(fast)).as(host + ": fast path vs terminated").isEqualTo(comparable(terminated));
                assertThat(FlowsCommand.line(comparable(fast))).isEqualTo(FlowsCommand.line(comparable(terminated)));
                assertThat(fast.path("local").asText()).startsWith(CLIENT + ":");
                assertThat(fast.path("decided_by").path("rule").asText()).isNotEmpty();
            }
            JsonNode allowed = d.flows().stream().filter(f -> f.path("hostname").asText().equals(HOSTS.get(0)))
                    .max(Comparator.comparingLong(f -> f.path("id").asLong())).orElseThrow();
            // the kernel carried it: its conntrack entry's counters (IP bytes), the response at least
            assertThat(allowed.path("bytes_in").asLong()).as("fast path bytes in: " + allowed)
                    .isGreaterThan(("hello " + HOSTS.get(0)).length());
            assertThat(allowed.path("bytes_out").asLong()).as("fast path bytes out: " + allowed).isPositive();
            assertThat(d.stop()).as(d.process.output()).isZero();
        } finally {
            http.close();
        }
        assertThat(gw.run("iptables", "-t", "mangle", "-S").output()).doesNotContain("NETEXT-FP");
    }

    /** Loads profile {@code gw} with {@code extra} in its filter, fetches one allowed and one blocked name, awaits both flows closed. */
    private static void run(DaemonUnderTest d, NetworkNamespace client, String extra) throws Exception {
        d.profile("gw.yaml", """
                name: gw
                filter:
                  rules:
                    - { host: "*.blocked.test", action: drop }
                  default: allow
                  gateway: [gw-c]
                  %s
                """.formatted(extra));
        assertThat(d.cli("reload").output()).contains("gw");
        d.awaitComponent("gw", comp -> comp.path("status").asText().equals("connected"), WAIT);
        long before = d.flows().stream().mapToLong(f -> f.path("id").asLong()).max().orElse(0);
        ExecResult ok = curl(client, HOSTS.get(0));
        assertThat(ok.output()).contains("hello " + HOSTS.get(0));
        ExecResult blocked = curl(client, HOSTS.get(1));
        assertThat(blocked.exitCode()).as(blocked.output()).isIn(52, 56);
        for (String host : HOSTS) // the fast path's allowed flow ends with its conntrack entry (a sweep every 5 s)
            d.awaitFlow(host + " ended", f -> f.path("id").asLong() > before && f.path("hostname").asText().equals(host)
                    && !f.path("state").asText().equals("open"), WAIT);
    }

    private static ExecResult curl(NetworkNamespace ns, String host) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "--resolve", host + ":8080:" + SERVER,
                "http://" + host + ":8080/");
    }

    /** The flow without what differs between two flows by nature: id, the client's port, times, byte counts. */
    private static ObjectNode comparable(JsonNode flow) {
        ObjectNode o = flow.deepCopy();
        o.put("id", 0);
        o.put("local", flow.path("local").asText().replaceAll(":\\d+$", ""));
        o.remove(List.of("bytes_in", "bytes_out", "opened", "updated_seq", "dns_seq"));
        return o;
    }
}
