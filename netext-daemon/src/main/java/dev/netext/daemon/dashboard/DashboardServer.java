package dev.netext.daemon.dashboard;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.LogEntry;
import dev.netext.daemon.events.Subscription;
import dev.netext.daemon.flows.FlowJson;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.flows.FlowTable;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.PromptResponder;
import dev.netext.daemon.rules.RulesFile;
import dev.netext.daemon.http.LoopbackHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * The dashboard: a page on a loopback address (JDK HTTP server, a virtual thread per request), its assets served
 * from this jar, and a small API behind a token ({@link RequestGuard}):
 * <pre>
 *   GET  /  /app.js  /app.css       the page (no data in it)
 *   GET  /api/flows                  {"flows":[flow…]}                      (FlowJson)
 *   GET  /api/stream?token=…         Server-Sent Events: "flow" rows (snapshot, then every change), "dns" and
 *                                    "tunnel"/"status" event lines (EventJson) from the ring, then live
 *   POST /api/prompts/ID             {"answer":"allow-once|allow-always|allow-hour|allow-until-restart|deny|
 *                                    deny-always|deny-hour|deny-until-restart"} → 200 resumed | 409 not paused | 404
 *   GET  /api/rules                  {"rules":[rule…]}                      (the saved rules, RulesFile.json)
 *   DELETE /api/rules/ID             → 200 deleted | 404
 * </pre>
 * Live updates come from an event-log subscription (DNS, tunnels) and from the {@link FlowTable}'s change feed
 * (flows and prompts); a stream that falls behind drops events (the log never waits) and resyncs its flows.
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    static final int MAX_STREAMS = 16;
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService executor;
    private final DashboardToken token;
    private final EventLog log;
    private final FlowTable flows;
    private final PromptResponder prompts;
    private final RulesAccess rules;
    private final Set<Subscription> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private RequestGuard guard;

    private DashboardServer(HttpServer server, ExecutorService executor, DashboardToken token, EventLog log,
                            FlowTable flows, PromptResponder prompts, RulesAccess rules) {
        this.server = server;
        this.executor = executor;
        this.token = token;
        this.log = log;
        this.flows = flows;
        this.prompts = prompts;
        this.rules = rules;
    }

    /** Listens on {@code address} (loopback only; port 0 picks one). */
    public static DashboardServer start(InetSocketAddress address, DashboardToken token, EventLog log, FlowTable flows,
                                       PromptResponder prompts) throws IOException {
        return start(address, token, log, flows, prompts, RulesAccess.NONE);
    }

    /** Listens on {@code address}, listing and deleting {@code rules} too. */
    public static DashboardServer start(InetSocketAddress address, DashboardToken token, EventLog log, FlowTable flows,
                                       PromptResponder prompts, RulesAccess rules) throws IOException {
        if (address.getAddress() == null || !address.getAddress().isLoopbackAddress())
            throw new IllegalArgumentException("the dashboard listens only on loopback (127.0.0.1 or ::1), not " + address);
        HttpServer s = HttpServer.create(address, 32);
        ExecutorService ex = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("netext-dashboard-", 0).factory());
        s.setExecutor(ex);
        DashboardServer d = new DashboardServer(s, ex, token, log, flows, prompts, rules);
        d.guard = new RequestGuard(token, s.getAddress().getPort());
        s.createContext("/", d::handle);
        s.start();
        return d;
    }

    public InetSocketAddress address() { return server.getAddress(); }

    /** The page's address without the token: what may be logged. */
    public String page() { return LoopbackHost.origin(address()) + "/"; }

    /**
     * The page's address with the token in the fragment (never sent to the server, nor in a Referer). A secret: for
     * {@code netext dashboard} over the root-only control socket, never for a log.
     */
    public String url() {
        return page() + "#token=" + token.value();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            var h = ex.getResponseHeaders();
            h.set("Cache-Control", "no-store");
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
            switch (guard.check(ex)) {
                case BAD_HOST -> { text(ex, 421, "this dashboard answers only to its loopback address\n"); return; }
                case BAD_ORIGIN -> { text(ex, 403, "cross-origin requests are refused\n"); return; }
                case NO_TOKEN -> { text(ex, 401, "missing or wrong token: open the URL netext dashboard prints\n"); return; }
                case OK -> { }
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (ASSETS.containsKey(path)) {
                if (!method.equals("GET")) { notAllowed(ex, "GET"); return; }
                asset(ex, ASSETS.get(path));
            } else if (path.equals("/api/flows")) {
                if (!method.equals("GET")) { notAllowed(ex, "GET"); return; }
                ObjectNode o = EventJson.MAPPER.createObjectNode();
                var arr = o.putArray("flows");
                for (FlowRecord f : flows.all()) arr.add(FlowJson.toJson(f));
                json(ex, 200, o);
            } else if (path.equals("/api/stream")) {
                if (!method.equals("GET")) { notAllowed(ex, "GET"); return; }
                stream(ex);
            } else if (path.startsWith("/api/prompts/")) {
                if (!method.equals("POST")) { notAllowed(ex, "POST"); return; }
                answer(ex, path.substring("/api/prompts/".length()));
            } else if (path.equals("/api/rules")) {
                if (!method.equals("GET")) { notAllowed(ex, "GET"); return; }
                ObjectNode o = EventJson.MAPPER.createObjectNode();
                o.set("rules", RulesFile.json(rules.list()));
                json(ex, 200, o);
            } else if (path.startsWith("/api/rules/")) {
                if (!method.equals("DELETE")) { notAllowed(ex, "DELETE"); return; }
                boolean deleted = rules.delete(path.substring("/api/rules/".length()));
                json(ex, deleted ? 200 : 404, EventJson.MAPPER.createObjectNode().put("ok", deleted));
            } else {
                text(ex, 404, "not found\n");
            }
        } catch (IOException e) {
            LOG.debug("dashboard request ended: {}", e.toString()); // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        } catch (RuntimeException e) {
            LOG.warn("dashboard request failed", e);
        }
    }

    private void asset(HttpExchange ex, String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
            if (in == null) { text(ex, 404, "not found\n"); return; }
            byte[] b = in.readAllBytes();
            ex.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream os = ex.getResponseBody()) { os.write(b); }
        }
    }

    private void answer(HttpExchange ex, String idText) throws IOException {
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            text(ex, 404, "no such flow\n");
            return;
        }
        JsonNode body;
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(1025);
            if (b.length > 1024) { text(ex, 413, "request too large\n"); return; }
            body = EventJson.MAPPER.readTree(b);
        } catch (JacksonException e) {
            text(ex, 400, "expected {\"answer\":\"" + PromptAnswer.wireNames() + "\"}\n");
            return;
        }
        PromptAnswer a = body == null ? null : PromptAnswer.parse(body.path("answer").asText(""));
        if (a == null) { text(ex, 400, "expected {\"answer\":\"" + PromptAnswer.wireNames() + "\"}\n"); return; }
        PromptResponder.Outcome o = prompts.answer(id, a);
        ObjectNode r = EventJson.MAPPER.createObjectNode().put("ok", o == PromptResponder.Outcome.RESUMED)
                .put("outcome", o.name().toLowerCase(Locale.ROOT));
        json(ex, switch (o) { case RESUMED -> 200; case NOT_PAUSED -> 409; case UNKNOWN_FLOW -> 404; }, r);
    }

    /** What the page draws besides flows: DNS answers and tunnel counters and status. */
    private static final Predicate<ProviderEvent> STREAMED = e -> e instanceof ProviderEvent.DnsQueried
            || e instanceof ProviderEvent.TunnelBytes || e instanceof ProviderEvent.StatusChanged;

    private void stream(HttpExchange ex) throws IOException, InterruptedException {
        if (streams.size() >= MAX_STREAMS) { text(ex, 503, "too many dashboard streams\n"); return; }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        EventJson json = new EventJson(log::wallTime);
        try (OutputStream os = ex.getResponseBody();
             Subscription sub = log.subscribe(0, STREAMED, 4096)) {
            streams.add(sub);
            long flowsSeen = 0;
            send(os, "hello", EventJson.MAPPER.createObjectNode().put("last_seq", log.lastSequence()).toString());
            long lastWrite = System.nanoTime();
            while (!closed && !sub.isClosed()) {
                for (FlowRecord f : flows.since(flowsSeen)) {
                    send(os, "flow", FlowJson.toJson(f).toString());
                    flowsSeen = Math.max(flowsSeen, f.updated());
                }
                LogEntry e = sub.take(Duration.ofMillis(200));
                while (e != null) {
                    if (e instanceof LogEntry.Recorded r) {
                        String type = r.event() instanceof ProviderEvent.DnsQueried ? "dns"
                                : r.event() instanceof ProviderEvent.TunnelBytes ? "tunnel" : "status";
                        send(os, type, json.toJson(r.event()).toString());
                    }
                    e = sub.poll();
                }
                os.flush();
                if (System.nanoTime() - lastWrite > HEARTBEAT.toNanos()) {
                    os.write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
                    os.flush();
                    lastWrite = System.nanoTime();
                }
            }
        } finally {
            streams.removeIf(Subscription::isClosed);
        }
    }

    private static void send(OutputStream os, String event, String data) throws IOException {
        os.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void notAllowed(HttpExchange ex, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        text(ex, 405, "method not allowed\n");
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    @Override
    public void close() {
        closed = true;
        for (Subscription s : streams) s.close();
        server.stop(0);
        executor.shutdownNow();
    }
}
