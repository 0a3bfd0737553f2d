package dev.netext.cli.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The sandbox answering a prompt the way the dashboard page does: {@code GET /api/flows} and
 * {@code POST /api/prompts/ID} with the token from the dashboard URL, through the host-side forwarder.
 */
final class DashboardClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    /** @param url the dashboard URL, {@code http://127.0.0.1:PORT/#token=TOKEN} */
    DashboardClient(String url) {
        int hash = url.indexOf("#token=");
        this.base = url.substring(0, hash).replaceAll("/$", "");
        this.token = url.substring(hash + "#token=".length());
    }

    /** Waits for a paused flow to {@code host} and answers it; returns its id, or -1 if none paused in time. */
    long answer(String host, String answer, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode f : get("/api/flows").path("flows")) {
                if (f.path("state").asText().equals("paused") && f.path("hostname").asText().equals(host)) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/prompts/" + f.path("id").asLong()))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"answer\":\"" + answer + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    return r.statusCode() == 200 ? f.path("id").asLong() : -1;
                }
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("dashboard " + path + ": HTTP " + r.statusCode());
        return ControlClient.mapper().readTree(r.body());
    }
}
