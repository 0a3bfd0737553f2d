package dev.netext.cli;

import com.sun.net.httpserver.HttpServer;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext capture --flow ID} on a real curl flow under the daemon's flow filter (TPROXY, rules with a prompt):
 * the flow is paused by the prompt, the capture starts, the prompt is answered through the dashboard's API, and the
 * capture — an nflog group fed by an nft table of its own — gets the upstream handshake, the HTTP exchange on both
 * legs and the teardown, ends by itself when the flow closes, and leaves no table behind. A second curl to the same
 * server during the capture is not in the file. tshark reads it back, flow-id comments included.
 */
class FlowCaptureIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @NetnsTest
    void aPausedCurlFlowIsCapturedOnBothLegsUntilItCloses(NetnsLab lab) throws Exception {
        HostPackages.require("curl", "tshark");
        NetworkNamespace c = lab.namespace("fcapc"), s = lab.namespace("fcaps");
        lab.veth(VethEnd.of("fcapc", "c-eth", "10.79.6.1/24"), VethEnd.of("fcaps", "s-eth", "10.79.6.2/24"));
        HttpServer http = s.runInside(() -> {
            HttpServer h = HttpServer.create(new InetSocketAddress("10.79.6.2", 8080), 16);
            h.createContext("/", ex -> {
                byte[] body = ("hello " + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.US_ASCII);
                try {
                    Thread.sleep(300); // a slow server: the flow stays open a little after the verdict
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            h.start();
            return h;
        });
        try (DaemonUnderTest d = new DaemonUnderTest(c, dir)) {
            d.startPromptingWeb();

            Process curl = c.command("curl", "-sS", "--max-time", "40", "-H", "Host: www.prompt.test", "http://10.79.6.2:8080/")
                    .redirectErrorStream(true).start();
            long id = pausedFlow(d, "www.prompt.test");

            Path out = dir.resolve("flow.pcapng");
            try (NetextProcess capture = NetextProcess.start(c, "capture", "--flow", Long.toString(id), "-w", out.toString(),
                    "--seconds", "40", "--control", d.socket.toString())) {
                capture.awaitLine(l -> l.contains("capturing on flow " + id), WAIT)
                        .orElseThrow(() -> new AssertionError("capture did not start:\n" + capture.output()));
                assertThat(c.run("nft", "list", "tables").output()).containsPattern("inet netext-capture-\\d+");
                // another flow to the same server meanwhile: same remote, not this flow
                ExecResult other = c.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "-H", "Host: other.test",
                        "http://10.79.6.2:8080/");
                assertThat(other.output()).contains("hello other.test");
                answer(c, d, id, "allow-once");
                assertThat(curl.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("hello www.prompt.test");
                // the capture ends by itself once the flow closed
                assertThat(capture.waitFor(WAIT)).as(capture.output()).isZero();
                assertThat(capture.output()).containsPattern("\\d+ packets captured");
            }
            assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-capture");

            List<String> rows = CaptureIntegrationTest.tshark(out, "-T", "fields", "-E", "separator=|", "-e", "ip.src", "-e", "tcp.srcport",
                    "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tcp.flags.str", "-e", "http.request.method", "-e", "http.host",
                    "-e", "frame.comment", "-e", "frame.interface_name");
            String all = String.join("\n", rows);
            assertThat(rows).as(all).hasSizeGreaterThanOrEqualTo(8);
            Pattern comment = Pattern.compile("flow=" + id + " dir=(out|in) leg=(client|upstream) tcp (\\S+) > (\\S+)");
            String clientPort = null, upstreamPort = null;
            boolean upstreamSyn = false, upstreamSynAck = false, requestUpstream = false, responseToClient = false, clientFin = false;
            for (String row : rows) {
                String[] f = row.split("\\|", -1);
                Matcher m = comment.matcher(f[7]);
                assertThat(m.matches()).as("comment of %s", row).isTrue();
                assertThat(f[8]).isEqualTo("flow " + id);
                boolean outbound = m.group(1).equals("out"), upstream = m.group(2).equals("upstream");
                assertThat(m.group(3)).isEqualTo(f[0] + ":" + f[1]);
                assertThat(m.group(4)).isEqualTo(f[2] + ":" + f[3]);
                String mine = outbound ? f[1] : f[3], theirs = outbound ? f[3] : f[1];
                assertThat(theirs).as(row).isEqualTo("8080");
                assertThat(outbound ? f[2] : f[0]).as(row).isEqualTo("10.79.6.2");
                if (upstream) {
                    if (upstreamPort == null) upstreamPort = mine;
                    assertThat(mine).as("one upstream connection only: %s", all).isEqualTo(upstreamPort);
                    upstreamSyn |= outbound && f[4].contains("S") && !f[4].contains("A");
                    upstreamSynAck |= !outbound && f[4].contains("S") && f[4].contains("A");
                    requestUpstream |= outbound && f[5].equals("GET") && f[6].equals("www.prompt.test");
                } else {
                    if (clientPort == null) clientPort = mine;
                    assertThat(mine).as("one client connection only: %s", all).isEqualTo(clientPort);
                    responseToClient |= !outbound && f[4].contains("P");
                    clientFin |= f[4].contains("F");
                }
            }
            assertThat(upstreamSyn).as(all).isTrue();
            assertThat(upstreamSynAck).as(all).isTrue();
            assertThat(requestUpstream).as(all).isTrue();
            assertThat(responseToClient).as(all).isTrue();
            assertThat(clientFin).as(all).isTrue();
            assertThat(all).doesNotContain("other.test");

            // a closed flow and an unknown one are clear errors
            NetextProcess closed = d.cli("capture", "--flow", Long.toString(id), "-w", dir.resolve("x.pcapng").toString());
            assertThat(closed.waitFor(WAIT)).isEqualTo(1);
            assertThat(closed.output()).contains("flow " + id + " is closed");
            NetextProcess unknown = d.cli("capture", "--flow", "999999", "-w", dir.resolve("y.pcapng").toString());
            assertThat(unknown.waitFor(WAIT)).isEqualTo(1);
            assertThat(unknown.output()).contains("no flow 999999");
            assertThat(d.stop()).as(d.process.output()).isZero();
        } finally {
            http.stop(0);
        }
    }

    @NetnsTest
    void aCaptureTableLeftByAKilledDaemonIsRemovedByTheNextStart(NetnsLab lab) throws Exception {
        HostPackages.require("curl");
        NetworkNamespace c = lab.namespace("fcapk"), s = lab.namespace("fcapks");
        lab.veth(VethEnd.of("fcapk", "c-eth", "10.79.7.1/24"), VethEnd.of("fcapks", "s-eth", "10.79.7.2/24"));
        Path state = dir.resolve("state");
        Process curl = null;
        try (DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(dir.resolve("first")), "--state-dir", state.toString())) {
            d.startPromptingWeb();
            // nobody listens on the server side: the flow is paused before netext connects anywhere
            curl = c.command("curl", "-sS", "--max-time", "30", "-H", "Host: www.prompt.test", "http://10.79.7.2:8080/").start();
            long id = pausedFlow(d, "www.prompt.test");
            try (NetextProcess capture = NetextProcess.start(c, "capture", "--flow", Long.toString(id), "-w",
                    dir.resolve("k.pcapng").toString(), "--control", d.socket.toString())) {
                capture.awaitLine(l -> l.contains("capturing on flow " + id), WAIT)
                        .orElseThrow(() -> new AssertionError("capture did not start:\n" + capture.output()));
                d.process.kill(); // no shutdown hook, no cleanup
                capture.waitFor(WAIT);
            }
            assertThat(c.run("nft", "list", "tables").output()).containsPattern("inet netext-capture-\\d+");
        } finally {
            if (curl != null) curl.destroyForcibly();
        }
        try (DaemonUnderTest d = new DaemonUnderTest(c, Files.createDirectories(dir.resolve("second")), "--state-dir", state.toString())) {
            assertThat(c.run("nft", "list", "tables").output()).doesNotContain("netext-capture");
            assertThat(d.stop()).as(d.process.output()).isZero();
        }
        try (var leftovers = Files.list(state)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("capture-"));
        } catch (java.nio.file.NoSuchFileException gone) {
            // the state directory is removed once empty
        }
    }

    /** The id of the flow to {@code host} once the filter paused it. */
    static long pausedFlow(DaemonUnderTest d, String host) throws Exception {
        return d.awaitFlow("paused flow to " + host, f -> f.path("state").asText().equals("paused")
                && f.path("hostname").asText().equals(host), WAIT).path("id").asLong();
    }

    /** Answers the prompt through the dashboard's API, from inside the daemon's namespace (it listens on loopback). */
    static void answer(NetworkNamespace ns, DaemonUnderTest d, long id, String answer) throws Exception {
        int hash = d.dashboardUrl.indexOf("#token=");
        String base = d.dashboardUrl.substring(0, hash).replaceAll("/$", ""), token = d.dashboardUrl.substring(hash + 7);
        ExecResult r = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
                "--data", "{\"answer\":\"" + answer + "\"}", base + "/api/prompts/" + id);
        assertThat(r.output().strip()).as(r.output()).isEqualTo("200");
    }
}
