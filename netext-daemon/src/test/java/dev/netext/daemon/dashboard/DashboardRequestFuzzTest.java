package dev.netext.daemon.dashboard;

import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.PromptResponder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random and hand-picked malformed requests to the dashboard: every one is answered with a 4xx or 200 (never a
 * 5xx), or the connection is closed; none hangs (5 s read timeout); none reaches the prompt responder without the
 * token; the server still answers a good request afterwards.
 */
class DashboardRequestFuzzTest {
    private static final List<String> CORPUS = List.of(
            "GET / HTTP/1.1\r\n\r\n",
            "GET /api/flows HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer\r\n\r\n",
            "GET /api/flows?token=%%zz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "GET /api/flows?token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "GET /api/flows?=x&token=&&token=a HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "POST /api/prompts/-1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 5\r\n\r\nhello",
            "POST /api/prompts/99999999999999999999 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 0\r\n\r\n",
            "GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "GET /app.js/../index.html HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: null\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: evil.example\r\n\r\n",
            "BREW /pot HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "GET /\u0000 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
            "\r\n\r\n",
            "GET");

    @Test
    void malformedAndRandomRequestsGetClearAnswers() throws Exception {
        EventLog log = new EventLog();
        DashboardToken token = DashboardToken.random();
        int[] answered = {0};
        PromptResponder responder = (id, a) -> {
            answered[0]++;
            return PromptResponder.Outcome.UNKNOWN_FLOW;
        };
        try (DashboardServer server = DashboardServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), token, log,
                FlowServices.on(log).table(), responder)) {
            InetSocketAddress addr = server.address();
            int port = addr.getPort();
            for (String c : CORPUS) check(addr, c.formatted(port).getBytes(StandardCharsets.ISO_8859_1));
            Random random = new Random(0x6e65746578L);
            String[] methods = {"GET", "POST", "PUT", "HEAD", "OPTIONS", "G\u00e9T", ""};
            String[] paths = {"/", "/api/flows", "/api/stream", "/api/prompts/1", "/api/prompts/", "/app.js", "/x"};
            for (int i = 0; i < 300; i++) {
                StringBuilder sb = new StringBuilder();
                sb.append(methods[random.nextInt(methods.length)]).append(' ').append(paths[random.nextInt(paths.length)]);
                if (random.nextBoolean()) sb.append("?token=").append(random.nextBoolean() ? token.value().substring(0, random.nextInt(43)) : "x%");
                sb.append(" HTTP/1.1\r\n");
                if (random.nextInt(4) > 0) sb.append("Host: ").append(random.nextBoolean() ? "127.0.0.1:" + port : "localhost").append("\r\n");
                if (random.nextInt(5) == 0) sb.append("Origin: http://").append(random.nextBoolean() ? "127.0.0.1:" + port : "a.b").append("\r\n");
                byte[] body = new byte[random.nextInt(3) == 0 ? random.nextInt(3000) : 0];
                random.nextBytes(body);
                if (body.length > 0) sb.append("Content-Length: ").append(body.length).append("\r\n");
                sb.append("Connection: close\r\n\r\n");
                byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                if (random.nextInt(6) == 0) all = java.util.Arrays.copyOf(all, random.nextInt(all.length)); // cut short
                check(addr, all);
            }
            assertThat(answered[0]).as("nothing without the full token reached the responder").isZero();
            assertThat(statuses).as("most requests got an HTTP answer, not just a closed connection").isGreaterThan(200);
            var ok = RawHttp.request(addr, "GET", "/api/flows", "127.0.0.1:" + port, "Authorization: Bearer " + token.value());
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"flows\":[]}");
        }
    }

    private int statuses;

    private void check(InetSocketAddress addr, byte[] request) throws IOException {
        RawHttp.Response r;
        try {
            r = RawHttp.send(addr, request);
        } catch (java.net.SocketTimeoutException e) {
            // a request cut short leaves the server waiting for the rest: the client's timeout, not a hang of the server
            return;
        } catch (java.net.SocketException e) {
            return; // the server closed a garbage connection
        }
        if (r.status() == -1) return; // closed without an answer
        statuses++;
        assertThat(r.status()).as("%s", new String(request, StandardCharsets.ISO_8859_1)).isBetween(200, 499);
    }
}
