package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium in a test's network namespace, driven through chromedriver's W3C WebDriver HTTP API with
 * {@code java.net.http} (no Selenium). chromedriver listens on the namespace's loopback, so every request is sent from
 * a thread inside the namespace (the client, built there, keeps its sockets there). Chromium runs with a fresh
 * profile directory and with background networking off (the machine has no internet; it would retry forever).
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration REQUEST = Duration.ofSeconds(60);

    private final NetworkNamespace ns;
    private final Process driver;
    private final Path profileDir;
    private final HttpClient http;
    private final String base;
    private String session;

    private HeadlessChromium(NetworkNamespace ns, Process driver, Path profileDir, HttpClient http, String base) {
        this.ns = ns;
        this.driver = driver;
        this.profileDir = profileDir;
        this.http = http;
        this.base = base;
    }

    /** Starts chromedriver on {@code port} in {@code ns} (a port of the test's own namespace) and opens a session. */
    static HeadlessChromium start(NetworkNamespace ns, int port) throws Exception {
        HostPackages.require(CHROMEDRIVER.toString(), CHROMIUM.toString());
        Path profile = Files.createTempDirectory("netext-chromium-");
        Process p = ns.command(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=")
                .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".driver.log").toFile()).start();
        HttpClient client = ns.runInside(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        HeadlessChromium c = new HeadlessChromium(ns, p, profile, client, "http://127.0.0.1:" + port);
        try {
            c.awaitReady();
            c.newSession();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline && driver.isAlive()) {
            try {
                if (call("GET", "/status", null).path("value").path("ready").asBoolean()) return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("chromedriver did not become ready" + (driver.isAlive() ? "" : " (exited " + driver.exitValue() + ")"), last);
    }

    private void newSession() throws Exception {
        ObjectNode req = ControlClient.mapper().createObjectNode();
        ObjectNode always = req.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode opts = always.putObject("goog:chromeOptions");
        opts.put("binary", CHROMIUM.toString());
        var args = opts.putArray("args");
        for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profileDir)) args.add(a);
        JsonNode r = call("POST", "/session", req);
        session = r.path("value").path("sessionId").asText(null);
        if (session == null) throw new IllegalStateException("no WebDriver session: " + r);
    }

    void open(String url) throws Exception {
        call("POST", "/session/" + session + "/url", ControlClient.mapper().createObjectNode().put("url", url));
    }

    /** The element ids matching a CSS selector now. */
    List<String> find(String css) throws Exception {
        JsonNode r = call("POST", "/session/" + session + "/elements",
                ControlClient.mapper().createObjectNode().put("using", "css selector").put("value", css));
        List<String> ids = new ArrayList<>();
        // a W3C element reference is an object with one member, "element-6066-11e4-a52f-4d4c6d2a0a2b": ID
        for (JsonNode e : r.path("value")) ids.add(e.elements().next().asText());
        return ids;
    }

    private String text(String elementId) throws Exception {
        return call("GET", "/session/" + session + "/element/" + elementId + "/text", null).path("value").asText();
    }

    private String attribute(String elementId, String name) throws Exception {
        return call("GET", "/session/" + session + "/element/" + elementId + "/attribute/" + name, null).path("value").asText();
    }

    /** The text of the first element matching {@code css}, or null. */
    String textOf(String css) throws Exception {
        return onFirst(css, this::text);
    }

    /** An attribute of the first element matching {@code css}, or null if nothing matches. */
    String attributeOf(String css, String name) throws Exception {
        return onFirst(css, id -> attribute(id, name));
    }

    void click(String css) throws Exception {
        String clicked = onFirst(css, id -> {
            call("POST", "/session/" + session + "/element/" + id + "/click", ControlClient.mapper().createObjectNode());
            return id;
        });
        if (clicked == null) throw new AssertionError("nothing matches " + css);
    }

    private interface ElementCall {
        String apply(String elementId) throws Exception;
    }

    /**
     * Applies a call to the first element matching {@code css} (null if none does). The dashboard re-renders its
     * tables on every event, so an element found one request earlier may be gone when the call reaches it: then it is
     * found again.
     */
    private String onFirst(String css, ElementCall action) throws Exception {
        for (int attempt = 1; ; attempt++) {
            List<String> ids = find(css);
            if (ids.isEmpty()) return null;
            try {
                return action.apply(ids.getFirst());
            } catch (StaleElement stale) {
                if (attempt == STALE_RETRIES) throw stale;
            }
        }
    }

    private static final int STALE_RETRIES = 20;

    /** WebDriver's "stale element reference": the element was removed from the page after it was found. */
    static final class StaleElement extends IllegalStateException {
        StaleElement(String message) {
            super(message);
        }
    }

    /** Waits until the first element matching {@code css} has a text satisfying {@code p}; returns it. */
    String awaitText(String css, Predicate<String> p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = textOf(css);
            } catch (StaleElement stale) { // replaced on every try: the page is busy re-rendering
                last = null;
            }
            if (last != null && p.test(last)) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("no element " + css + " with the expected text within " + timeout + "; last: " + last
                + "\npage:\n" + textOf("body"));
    }

    private JsonNode call(String method, String path, JsonNode body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST)
                .header("Content-Type", "application/json; charset=utf-8");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpRequest req = b.build();
        HttpResponse<String> r = ns.runInside(() -> http.send(req, HttpResponse.BodyHandlers.ofString()));
        JsonNode n = ControlClient.mapper().readTree(r.body());
        if (r.statusCode() != 200 && n.path("value").path("error").asText().equals("stale element reference"))
            throw new StaleElement("WebDriver " + method + " " + path + ": " + n.path("value").path("message").asText());
        if (r.statusCode() != 200) throw new IllegalStateException("WebDriver " + method + " " + path + ": " + r.statusCode() + " " + n.path("value"));
        return n;
    }

    @Override
    public void close() throws Exception {
        try {
            if (session != null) call("DELETE", "/session/" + session, null); // quits Chromium
        } catch (Exception e) {
            // the driver is going anyway
        } finally {
            driver.destroy();
            if (!driver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) driver.destroyForcibly().waitFor();
            http.close();
            try (Stream<Path> s = Files.walk(profileDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(profileDir.resolveSibling(profileDir.getFileName() + ".driver.log"));
        }
    }
}
