package dev.netext.daemon.dashboard;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.PromptResponder;
import dev.netext.daemon.flows.TestFlows;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.RuleAction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DashboardServerTest {
    private final EventLog log = new EventLog();
    private final FlowServices flows = FlowServices.on(log);
    private final List<String> answers = new CopyOnWriteArrayList<>();
    private final SavedRules saved = SavedRules.inMemory();
    private final DashboardToken token = DashboardToken.random();
    private DashboardServer server;
    private InetSocketAddress addr;
    private String host;

    @BeforeEach
    void start() throws Exception {
        PromptResponder responder = (id, a) -> {
            answers.add(id + ":" + a.wireName());
            return id == 7 ? PromptResponder.Outcome.RESUMED : id == 8 ? PromptResponder.Outcome.NOT_PAUSED : PromptResponder.Outcome.UNKNOWN_FLOW;
        };
        server = DashboardServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), token, log, flows.table(),
                responder, new RulesAccess() {
                    @Override public List<SavedRule> list() { return saved.list(); }
                    @Override public boolean delete(String id) throws java.io.IOException { return saved.delete(id); }
                });
        addr = server.address();
        host = "127.0.0.1:" + addr.getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String bearer() { return "Authorization: Bearer " + token.value(); }

    @Test
    void thePageIsServedFromTheJarWithoutDataAndWithAStrictPolicy() throws Exception {
        var r = RawHttp.request(addr, "GET", "/", host);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.head()).containsIgnoringCase("Content-Type: text/html").containsIgnoringCase("Content-Security-Policy: default-src 'self'")
                .containsIgnoringCase("X-Frame-Options: DENY");
        assertThat(r.body()).contains("<script src=\"/app.js\"").doesNotContain("http://").doesNotContain("https://");
        assertThat(RawHttp.request(addr, "GET", "/app.js", host).body()).contains("EventSource").contains("/api/prompts/");
        assertThat(RawHttp.request(addr, "GET", "/app.css", "localhost:" + addr.getPort()).status()).isEqualTo(200);
        assertThat(RawHttp.request(addr, "GET", "/nothing", host).status()).isEqualTo(404);
        assertThat(RawHttp.request(addr, "POST", "/", host).status()).isEqualTo(405);
        assertThat(server.url()).isEqualTo("http://" + host + "/#token=" + token.value());
        assertThat(server.page()).as("what may be logged").isEqualTo("http://" + host + "/");
    }

    @Test
    void savedRulesAreListedAndDeletedWithTheTokenFromThePagesOriginOnly() throws Exception {
        saved.add(new SavedRule("ab12cd34", RuleAction.DROP, "ask.test", null, null, null, "p", java.time.Instant.now(), null,
                "prompt", true));
        assertThat(RawHttp.request(addr, "GET", "/api/rules", host).status()).isEqualTo(401);
        var listed = RawHttp.request(addr, "GET", "/api/rules", host, bearer());
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).contains("\"id\":\"ab12cd34\"").contains("\"action\":\"deny\"").contains("\"host\":\"ask.test\"");
        assertThat(RawHttp.request(addr, "DELETE", "/api/rules/ab12cd34", host).status()).isEqualTo(401);
        assertThat(RawHttp.request(addr, "DELETE", "/api/rules/ab12cd34", host, bearer(), "Origin: http://evil.example").status())
                .isEqualTo(403);
        assertThat(RawHttp.request(addr, "POST", "/api/rules/ab12cd34", host, bearer()).status()).isEqualTo(405);
        assertThat(saved.list()).hasSize(1);
        assertThat(RawHttp.request(addr, "DELETE", "/api/rules/ab12cd34", host, bearer()).status()).isEqualTo(200);
        assertThat(saved.list()).isEmpty();
        assertThat(RawHttp.request(addr, "DELETE", "/api/rules/ab12cd34", host, bearer()).status()).isEqualTo(404);
        assertThat(RawHttp.request(addr, "GET", "/app.js", host).body()).contains("/api/rules/");
    }

    @Test
    void everyApiRequestNeedsTheToken() throws Exception {
        assertThat(RawHttp.request(addr, "GET", "/api/flows", host).status()).isEqualTo(401);
        assertThat(RawHttp.request(addr, "GET", "/api/flows", host, "Authorization: Bearer wrong").status()).isEqualTo(401);
        assertThat(RawHttp.request(addr, "GET", "/api/flows?token=" + token.value().substring(1), host).status()).isEqualTo(401);
        assertThat(RawHttp.request(addr, "GET", "/api/stream", host).status()).isEqualTo(401);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"allow-once\"}").status()).isEqualTo(401);
        assertThat(answers).isEmpty();
        assertThat(RawHttp.request(addr, "GET", "/api/flows?token=" + token.value(), host).status()).isEqualTo(200);
        assertThat(RawHttp.request(addr, "GET", "/api/flows", host, bearer()).status()).isEqualTo(200);
    }

    @Test
    void anotherHostNameOrOriginIsRefusedEvenWithTheToken() throws Exception {
        // DNS rebinding: a page from evil.example whose name now resolves to 127.0.0.1 sends its own name as Host
        assertThat(RawHttp.request(addr, "GET", "/", "evil.example:" + addr.getPort()).status()).isEqualTo(421);
        assertThat(RawHttp.request(addr, "GET", "/api/flows", "evil.example:" + addr.getPort(), bearer()).status()).isEqualTo(421);
        assertThat(RawHttp.request(addr, "GET", "/api/flows", "127.0.0.1:1", bearer()).status()).isEqualTo(421);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"allow-once\"}", bearer(),
                "Origin: http://evil.example").status()).isEqualTo(403);
        assertThat(answers).isEmpty();
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"allow-once\"}", bearer(),
                "Origin: http://" + host).status()).isEqualTo(200);
        assertThatThrownBy(() -> DashboardServer.start(new InetSocketAddress("0.0.0.0", 0), token, log, flows.table(), (i, a) -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }

    @Test
    void promptAnswersReachTheResponderAndBadOnesAreRefused() throws Exception {
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"allow-always\"}", bearer()).body())
                .contains("\"ok\":true").contains("resumed");
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/8", host, "{\"answer\":\"deny\"}", bearer()).status()).isEqualTo(409);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/9", host, "{\"answer\":\"deny\"}", bearer()).status()).isEqualTo(404);
        assertThat(answers).containsExactly("7:allow-always", "8:deny", "9:deny");
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"maybe\"}", bearer()).status()).isEqualTo(400);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{not json", bearer()).status()).isEqualTo(400);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "[]", bearer()).status()).isEqualTo(400);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/x", host, "{\"answer\":\"deny\"}", bearer()).status()).isEqualTo(404);
        assertThat(RawHttp.withBody(addr, "POST", "/api/prompts/7", host, "{\"answer\":\"" + "a".repeat(2000) + "\"}", bearer()).status()).isEqualTo(413);
        assertThat(RawHttp.request(addr, "GET", "/api/prompts/7", host, bearer()).status()).isEqualTo(405);
        assertThat(answers).hasSize(3);
        assertThat(PromptAnswer.parse("allow-once")).isEqualTo(PromptAnswer.ALLOW_ONCE);
    }

    @Test
    void theStreamSendsTheFlowSnapshotThenLiveFlowAndTunnelEvents() throws Exception {
        TestFlows.open(log, "guard", TestFlows.flow(1, "before.test"));
        try (Socket s = new Socket()) {
            s.connect(addr, 2_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /api/stream?token=" + token.value() + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(readUntil(in, "event: hello")).isTrue();
            String first = readData(in, "event: flow");
            assertThat(first).contains("\"id\":1").contains("before.test").contains("\"state\":\"deciding\"");
            TestFlows.open(log, "guard", TestFlows.flow(2, "live.test"));
            TestFlows.prompt(log, "guard", 2, Duration.ofSeconds(30));
            String live = readData(in, "event: flow");
            assertThat(live).contains("\"id\":2").contains("live.test");
            log.publish((q, t) -> new ProviderEvent.TunnelBytes(q, t, "corp", 1000, 2000, 10, 20));
            assertThat(readData(in, "event: tunnel")).contains("\"bytes_in\":1000").contains("\"provider\":\"corp\"");
        }
    }

    private static boolean readUntil(BufferedReader in, String line) throws Exception {
        for (String l; (l = in.readLine()) != null; ) if (l.endsWith(line)) return true; // chunk sizes share lines
        return false;
    }

    /** The data line of the next event of this kind. */
    private static String readData(BufferedReader in, String event) throws Exception {
        assertThat(readUntil(in, event)).as(event).isTrue();
        String data = in.readLine();
        assertThat(data).startsWith("data: ");
        return data;
    }

    @Test
    void theTokenFileIsReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
        Path f = token.writeTo(dir.resolve("state"));
        assertThat(f.getFileName().toString()).isEqualTo(DashboardToken.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.readString(f).strip()).isEqualTo(token.value());
        assertThat(token.value()).matches("[A-Za-z0-9_-]{43}");
        assertThat(DashboardToken.random().value()).isNotEqualTo(token.value());
        assertThat(token.toString()).doesNotContain(token.value());
        assertThat(token.writeTo(dir.resolve("state"))).isEqualTo(f); // replaced in place
        try (var files = Files.list(dir.resolve("state"))) {
            assertThat(files.toList()).containsExactly(f);
        }
    }

    /** Idle connections and requests cut short hold only themselves: the page is served at once meanwhile. */
    @Test
    void idleAndHalfSentClientsNeverDelayAnotherRequest() throws Exception {
        assertThat(RawHttp.request(addr, "GET", "/", host).status()).isEqualTo(200); // warm
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket();
                s.connect(addr, 2000);
                if (i % 2 == 1) s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host).getBytes(StandardCharsets.US_ASCII));
                stalled.add(s);
            }
            long t0 = System.nanoTime();
            assertThat(RawHttp.request(addr, "GET", "/", host).status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("served while 20 clients stall").isLessThan(Duration.ofSeconds(3));
        } finally {
            for (Socket s : stalled) s.close();
        }
    }
}
