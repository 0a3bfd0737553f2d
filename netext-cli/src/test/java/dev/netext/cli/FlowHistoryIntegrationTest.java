package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.testkit.netns.NetnsTest;
import dev.netext.lab.peers.Dnsmasq;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must show 3: {@code netext events --flow ID} shows DNS answer → flow open → the deciding rule → verdict → close for
 * one curl, in order,
 * under the daemon. The daemon's profile has a {@code dns:} section (intercepting port 53, forwarding to dnsmasq in a
 * "server" namespace) and a {@code filter:} section; curl resolves {@code svc.corp.test} (its resolv.conf names a
 * resolver the interception redirects to netext) and connects to a plain TCP service by address (a line each way: no
 * TLS or HTTP), so the flow's only name is the DNS-sourced one ({@code dns_map}), and the flow's history starts with the {@code dns.answer} link
 * that points at the answer's own sequence number.
 */
class FlowHistoryIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void eventsOfOneFlowReadDnsAnswerOpenVerdictCloseInOrder(NetnsLab lab) throws Exception {
        NetworkNamespace c = lab.namespace("client"), s = lab.namespace("server");
        lab.veth(VethEnd.of("client", "c-eth", "10.81.0.1/24"), VethEnd.of("server", "s-eth", "10.81.0.2/24"));
        c.addDefaultRoute("10.81.0.2"); // so curl's query to the host's resolver address leaves and is redirected
        Dnsmasq.start(s, "10.81.0.2", "--address=/svc.corp.test/10.81.0.2");
        ServerSocket greeter = s.runInside(() -> new ServerSocket(7000, 16, java.net.InetAddress.getByName("10.81.0.2")));
        Thread serving = Thread.ofPlatform().daemon().start(() -> greet(greeter));
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            d.profile("corp.yaml", """
                    name: corp
                    dns:
                      listen: [127.0.0.1:5353]
                      intercept: true
                      servers: { corp: 10.81.0.2 }
                      default: corp
                    filter:
                      default: allow
                    """);
            assertThat(d.cli("reload").waitFor(WAIT)).isZero();
            awaitAllConnected(d, "corp");

            // curl resolves through the system resolver (redirected to netext), sends a line and reads the answer. The
            // client speaks first: its line is held on the fast path until the flow is decided, and the decision waits
            // for attribution, so curl is alive while it is named. (A server that speaks first would let a one-shot
            // client read its answer and exit before a loaded machine's attribution found it: ARCHITECTURE, fast path.)
            ExecResult curl = c.run(Duration.ofSeconds(20), "sh", "-c",
                    "printf 'hi\\n' | curl -sS --max-time 10 telnet://svc.corp.test:7000");
            assertThat(curl.output()).as("curl exit %d", curl.exitCode()).contains("hello from svc");

            long flow = awaitFlow(d, "svc.corp.test");
            List<JsonNode> history = awaitHistory(d, flow);
            assertThat(history).extracting(e -> e.path("type").asText() + (e.has("message_type") ? ":" + e.path("message_type").asText() : ""))
                    .containsExactly("ProviderMessage:dns.answer", "FlowOpened", "ProviderMessage:filter.profile-rule", "FlowVerdict",
                            "ProviderMessage:flow.upstream", "FlowClosed");
            assertThat(history.get(2).toString()).as("the rule that decided").contains("corp#default");
            for (int i = 1; i < history.size(); i++)
                assertThat(history.get(i).path("seq").asLong()).isGreaterThan(history.get(i - 1).path("seq").asLong());
            JsonNode link = history.get(0), opened = history.get(1);
            assertThat(link.path("attributes").path("name").asText()).isEqualTo("svc.corp.test");
            assertThat(opened.path("flow_info").path("hostname").asText()).isEqualTo("svc.corp.test");
            assertThat(opened.path("flow_info").path("hostname_source").asText()).isEqualTo("dns_map");
            assertThat(opened.path("flow_info").path("process").path("executable").asText()).endsWith("/curl");
            assertThat(history.get(3).path("verdict").path("kind").asText()).isEqualTo("Allow");
            assertThat(history.get(4).path("attributes").path("remote").asText()).endsWith(":7000"); // the upstream connection's tuple

            // dns_seq is the DnsQueried answer itself, earlier in the one log, and not this flow's id
            long dnsSeq = Long.parseLong(link.path("attributes").path("dns_seq").asText());
            assertThat(dnsSeq).isLessThan(link.path("seq").asLong());
            JsonNode answer = events(d, "--after", Long.toString(dnsSeq - 1)).getFirst();
            assertThat(answer.path("seq").asLong()).isEqualTo(dnsSeq);
            assertThat(answer.path("type").asText()).isEqualTo("DnsQueried");
            assertThat(answer.path("name").asText()).isEqualTo("svc.corp.test");
            assertThat(answer.path("flow").asLong()).as("one flow-id counter for DNS and TCP flows").isNotEqualTo(flow);
            assertThat(answer.path("flow").asLong()).isEqualTo(Long.parseLong(link.path("attributes").path("dns_flow").asText()));
        } finally {
            greeter.close();
            serving.join(5_000);
        }
    }

    private static void greet(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
                new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                out.write("hello from svc\n".getBytes(StandardCharsets.US_ASCII));
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void awaitAllConnected(DaemonUnderTest d, String profile) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = d.profileStatus(profile);
            if (last != null && last.path("components").size() == 2) {
                boolean all = true;
                for (JsonNode comp : last.path("components")) all &= comp.path("status").asText().equals("connected");
                if (all) return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("profile " + profile + " did not connect: " + last + "\n" + d.process.output());
    }

    private static long awaitFlow(DaemonUnderTest d, String host) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : d.cli("flows", "--json").output().split("\n")) {
                if (!line.startsWith("{")) continue;
                JsonNode f = ControlClient.mapper().readTree(line);
                if (f.path("hostname").asText().equals(host)) return f.path("id").asLong();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no flow to " + host + "\n" + d.cli("flows").output());
    }

    /** The flow's events once its close is in the log. */
    private static List<JsonNode> awaitHistory(DaemonUnderTest d, long flow) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonNode> h = List.of();
        while (System.nanoTime() < deadline) {
            h = events(d, "--flow", Long.toString(flow));
            if (!h.isEmpty() && h.getLast().path("type").asText().equals("FlowClosed")) return h;
            Thread.sleep(200);
        }
        throw new AssertionError("flow " + flow + " did not close; history: " + h);
    }

    private static List<JsonNode> events(DaemonUnderTest d, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("events"));
        a.addAll(List.of(args));
        List<JsonNode> out = new ArrayList<>();
        for (String line : d.cli(a.toArray(String[]::new)).output().split("\n"))
            if (line.startsWith("{")) out.add(ControlClient.mapper().readTree(line));
        return out;
    }
}
