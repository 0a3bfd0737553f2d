package dev.netext.daemon.metrics;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What any local user (or a page in a local browser) can send to /metrics: idle, slow, huge or foreign requests. */
class MetricsServerTest {
    private static final String BODY = "netext_up 1\n";

    /** Sends {@code request}, reads until the server closes; the whole answer (empty when closed without one). */
    static String exchange(InetSocketAddress to, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 2_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    static String get(InetSocketAddress to, String path, String host) throws IOException {
        return exchange(to, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: test\r\n\r\n");
    }

    @Test
    void answersOnlyToItsOwnLoopbackNameAndPort() throws Exception {
        try (MetricsServer m = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> BODY)) {
            InetSocketAddress a = m.address();
            int port = a.getPort();
            assertThat(get(a, "/metrics", "127.0.0.1:" + port)).startsWith("HTTP/1.1 200 ").contains("Content-Length: 12\r\n").endsWith(BODY);
            assertThat(get(a, "/metrics", "localhost:" + port)).startsWith("HTTP/1.1 200 ");
            assertThat(get(a, "/metrics", "evil.example:" + port)).startsWith("HTTP/1.1 421 ").doesNotContain(BODY);
            assertThat(get(a, "/metrics", "127.0.0.1:" + (port + 1))).startsWith("HTTP/1.1 421 ");
            assertThat(get(a, "/metrics", "127.0.0.1")).startsWith("HTTP/1.1 421 ");
            assertThat(exchange(a, "GET /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 421 ");
            assertThat(exchange(a, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nHost: evil.example\r\n\r\n"))
                    .startsWith("HTTP/1.1 400 ");
            assertThat(get(a, "/", "127.0.0.1:" + port)).startsWith("HTTP/1.1 404 ");
            assertThat(exchange(a, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")).startsWith("HTTP/1.1 405 ")
                    .contains("Allow: GET, HEAD");
            assertThat(exchange(a, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")).startsWith("HTTP/1.1 200 ")
                    .endsWith("\r\n\r\n");
            assertThat(exchange(a, "BROKEN\r\n\r\n")).startsWith("HTTP/1.1 400 ");
            assertThat(exchange(a, "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(MetricsServer.MAX_HEAD_BYTES) + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 431 ");
        }
    }

    @Test
    void anIdlePartialRequestDelaysNoOtherScrapeAndIsClosedAfterTheHeadTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(1_500);
        try (MetricsServer m = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> BODY, timeout);
             Socket idle = new Socket()) {
            InetSocketAddress a = m.address();
            String host = "127.0.0.1:" + a.getPort();
            long baseline = Long.MAX_VALUE; // the fastest of a few, after the first request in this JVM loaded classes
            for (int i = 0; i < 4; i++) baseline = Math.min(baseline, timedGet(a, host));
            idle.connect(a, 2_000);
            long t0 = System.nanoTime();
            idle.getOutputStream().write("GET / HTTP/1.1\r\nHost: x".getBytes(StandardCharsets.ISO_8859_1)); // and then nothing
            idle.getOutputStream().flush();
            long fastest = Long.MAX_VALUE, slowest = 0;
            for (int i = 0; i < 3; i++) {
                long took = timedGet(a, host);
                fastest = Math.min(fastest, took);
                slowest = Math.max(slowest, took);
            }
            // a scrape that waited for the idle client would take the whole head timeout; a loaded machine may add a
            // little to one scrape, not to all of them
            assertThat(Duration.ofNanos(fastest - baseline)).isLessThan(Duration.ofMillis(100));
            assertThat(Duration.ofNanos(slowest)).isLessThan(timeout.dividedBy(2));

            // the idle client is answered 408 and closed once its head is overdue
            idle.setSoTimeout(10_000);
            String answer = new String(idle.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(timeout.minusMillis(100), timeout.plusMillis(3_000));
            assertThat(answer).startsWith("HTTP/1.1 408 ");

            // a client trickling one byte at a time gets no more time than that in all
            try (Socket slow = new Socket()) {
                slow.connect(a, 2_000);
                slow.setSoTimeout(10_000);
                long s0 = System.nanoTime();
                byte[] req = ("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nX: ").getBytes(StandardCharsets.ISO_8859_1);
                try {
                    for (int i = 0; i < 60; i++) {
                        slow.getOutputStream().write(req[i % req.length]);
                        Thread.sleep(50);
                    }
                } catch (IOException closed) {
                    // the server gave up on it
                }
                assertThat(new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 408 ");
                assertThat(Duration.ofNanos(System.nanoTime() - s0)).isLessThan(timeout.plusMillis(3_000));
            }
        }
    }

    private static long timedGet(InetSocketAddress a, String host) throws IOException {
        long t0 = System.nanoTime();
        assertThat(get(a, "/metrics", host)).endsWith(BODY);
        return System.nanoTime() - t0;
    }
}
