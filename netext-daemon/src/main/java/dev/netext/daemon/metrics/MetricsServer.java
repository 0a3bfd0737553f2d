package dev.netext.daemon.metrics;

import dev.netext.daemon.http.LoopbackHost;
import dev.netext.daemon.http.RequestHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} on a loopback address, in the Prometheus text format. Refuses to listen anywhere but
 * loopback (metrics name profiles and providers), and, since any local user and any page in a local browser can
 * reach a loopback port:
 * <ul>
 *   <li>a virtual thread per connection, so an idle client never holds up a scrape; at most
 *       {@link #MAX_CONNECTIONS} at once (more are closed at accept);</li>
 *   <li>the request head must arrive whole within {@link #HEAD_TIMEOUT} (408) and fit {@link #MAX_HEAD_BYTES}
 *       (431); one request per connection ({@code Connection: close});</li>
 *   <li>{@code Host} must name this listener ({@link LoopbackHost}, 421), as the dashboard requires, so a
 *       DNS-rebound page cannot read the metrics.</li>
 * </ul>
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    public static final Duration HEAD_TIMEOUT = Duration.ofSeconds(5);
    public static final int MAX_HEAD_BYTES = 8192;
    static final int MAX_CONNECTIONS = 64;
    private static final Map<Integer, String> REASONS = Map.of(200, "OK", 400, "Bad Request", 404, "Not Found",
            405, "Method Not Allowed", 408, "Request Timeout", 421, "Misdirected Request",
            431, "Request Header Fields Too Large");

    private final ServerSocket listener;
    private final Supplier<String> scrape;
    private final Duration headTimeout;
    private final LoopbackHost host;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private MetricsServer(ServerSocket listener, Supplier<String> scrape, Duration headTimeout) {
        this.listener = listener;
        this.scrape = scrape;
        this.headTimeout = headTimeout;
        this.host = new LoopbackHost(listener.getLocalPort());
    }

    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws IOException {
        return start(address, scrape, HEAD_TIMEOUT);
    }

    static MetricsServer start(InetSocketAddress address, Supplier<String> scrape, Duration headTimeout) throws IOException {
        if (address.getAddress() == null || !address.getAddress().isLoopbackAddress())
            throw new IllegalArgumentException("metrics listen only on loopback (127.0.0.1 or ::1), not " + address);
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 16);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        MetricsServer m = new MetricsServer(s, scrape, headTimeout);
        Thread.ofPlatform().name("netext-metrics").daemon(true).start(m::acceptLoop);
        return m;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (closed) return;
                LOG.warn("metrics: accept failed: {}", e.toString());
                pause(); // out of file descriptors, say: do not spin
                continue;
            }
            if (!slots.tryAcquire()) { // that many clients at once is not Prometheus
                closeQuietly(c);
                continue;
            }
            open.add(c);
            Thread.ofVirtual().name("netext-metrics-conn").start(() -> {
                try {
                    serve(c);
                } finally {
                    open.remove(c);
                    closeQuietly(c);
                    slots.release();
                }
            });
        }
    }

    private void serve(Socket c) {
        try {
            RequestHead head;
            try {
                head = RequestHead.read(c, headTimeout, MAX_HEAD_BYTES);
            } catch (RequestHead.Refused e) {
                if (e.status() != 0) reply(c, false, e.status(), e.getMessage() + "\n");
                return;
            }
            boolean isHead = head.method().equals("HEAD");
            List<String> hosts = head.values("host");
            if (hosts.size() > 1) {
                reply(c, isHead, 400, "more than one Host header\n");
            } else if (!host.accepts(hosts.isEmpty() ? null : hosts.getFirst())) {
                reply(c, isHead, 421, "these metrics answer only to their loopback address\n");
            } else if (!head.path().equals("/metrics")) {
                reply(c, isHead, 404, "not found; metrics are at /metrics\n");
            } else if (!head.method().equals("GET") && !isHead) {
                reply(c, false, 405, "method not allowed\n", "Allow: GET, HEAD");
            } else {
                reply(c, isHead, 200, scrape.get(), "Content-Type: " + PrometheusText.CONTENT_TYPE);
            }
        } catch (IOException e) {
            LOG.debug("metrics request ended: {}", e.toString()); // the client went away
        } catch (RuntimeException e) {
            LOG.warn("metrics request failed", e);
        }
    }

    private static void reply(Socket c, boolean headOnly, int status, String body, String... fields) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(REASONS.get(status)).append("\r\n");
        if (fields.length == 0 || !fields[0].startsWith("Content-Type")) h.append("Content-Type: text/plain; charset=utf-8\r\n");
        for (String f : fields) h.append(f).append("\r\n");
        h.append("Content-Length: ").append(b.length).append("\r\nConnection: close\r\n\r\n");
        OutputStream os = c.getOutputStream();
        os.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!headOnly) os.write(b);
        os.flush();
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a connection that failed: nothing to do
        }
    }

    public InetSocketAddress address() { return (InetSocketAddress) listener.getLocalSocketAddress(); }

    /** The URL to scrape. */
    public String url() { return LoopbackHost.origin(address()) + "/metrics"; }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        for (Socket c : open) closeQuietly(c);
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
