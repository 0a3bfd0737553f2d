package dev.netext.daemon.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} on a loopback address, in the Prometheus text format: the JDK's HTTP server on one thread
 * (scrapes are rare and cheap). Refuses to listen anywhere but loopback: metrics name profiles and providers.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws IOException {
        if (address.getAddress() == null || !address.getAddress().isLoopbackAddress())
            throw new IllegalArgumentException("metrics listen only on loopback (127.0.0.1 or ::1), not " + address);
        HttpServer s = HttpServer.create(address, 16);
        s.setExecutor(Executors.newSingleThreadExecutor(Thread.ofPlatform().name("netext-metrics").daemon(true).factory()));
        s.createContext("/", ex -> {
            try (ex) {
                if (!ex.getRequestURI().getPath().equals("/metrics")) {
                    reply(ex, 404, "text/plain; charset=utf-8", "not found; metrics are at /metrics\n");
                } else if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                    ex.getResponseHeaders().set("Allow", "GET, HEAD");
                    reply(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                } else {
                    reply(ex, 200, PrometheusText.CONTENT_TYPE, scrape.get());
                }
            }
        });
        s.start();
        return new MetricsServer(s);
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    public InetSocketAddress address() { return server.getAddress(); }

    /** The URL to scrape. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
    }

    @Override
    public void close() {
        server.stop(0);
        if (server.getExecutor() instanceof java.util.concurrent.ExecutorService es) es.shutdownNow();
    }
}
