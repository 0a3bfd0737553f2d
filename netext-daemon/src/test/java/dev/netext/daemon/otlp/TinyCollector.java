package dev.netext.daemon.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in OTLP/HTTP logs collector on loopback (no real collector binary is available here): accepts
 * {@code POST /v1/logs} with {@code application/json}, checks every request against the ExportLogsServiceRequest
 * JSON shape, records the accepted log records, and can be told to answer the next requests with a status of choice.
 */
final class TinyCollector implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    final HttpServer server;
    final List<JsonNode> records = new CopyOnWriteArrayList<>();
    final List<JsonNode> resources = new CopyOnWriteArrayList<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Integer> scripted = new ConcurrentLinkedQueue<>();
    volatile int requests;
    volatile int failWith; // 0: answer 200; otherwise every request gets this status

    TinyCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                requests++;
                byte[] body = ex.getRequestBody().readAllBytes();
                Integer status = scripted.poll();
                if (status == null && failWith != 0) status = failWith;
                if (status != null) {
                    ex.getResponseHeaders().add("Retry-After", "0");
                    ex.sendResponseHeaders(status, -1);
                    return;
                }
                String problem = check(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        ex.getRequestHeaders().getFirst("Content-Type"), body);
                if (problem != null) {
                    problems.add(problem);
                    byte[] m = problem.getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(400, m.length);
                    ex.getResponseBody().write(m);
                    return;
                }
                byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, ok.length);
                ex.getResponseBody().write(ok);
            }
        });
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Null if the request is a well-formed OTLP/HTTP JSON logs export, else what is wrong. */
    private String check(String method, String path, String contentType, byte[] body) {
        if (!method.equals("POST")) return "method " + method;
        if (!path.equals("/v1/logs")) return "path " + path;
        if (contentType == null || !contentType.startsWith("application/json")) return "content type " + contentType;
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            return "not JSON: " + e.getMessage();
        }
        List<JsonNode> accepted = new ArrayList<>();
        JsonNode rls = root.path("resourceLogs");
        if (!rls.isArray() || rls.isEmpty()) return "resourceLogs is not a non-empty array";
        for (JsonNode rl : rls) {
            String p = attributes(rl.path("resource").path("attributes"), "resource");
            if (p != null) return p;
            resources.add(rl.path("resource"));
            JsonNode sls = rl.path("scopeLogs");
            if (!sls.isArray() || sls.isEmpty()) return "scopeLogs is not a non-empty array";
            for (JsonNode sl : sls) {
                if (!sl.path("scope").path("name").isTextual()) return "scope.name missing";
                JsonNode lrs = sl.path("logRecords");
                if (!lrs.isArray() || lrs.isEmpty()) return "logRecords is not a non-empty array";
                for (JsonNode lr : lrs) {
                    for (String f : new String[] {"timeUnixNano", "observedTimeUnixNano"}) {
                        if (!lr.path(f).isTextual() || !lr.path(f).asText().matches("[0-9]{1,20}")) return f + " is not a decimal string: " + lr.path(f);
                    }
                    if (!lr.path("severityNumber").isInt() || lr.path("severityNumber").asInt() < 1 || lr.path("severityNumber").asInt() > 24)
                        return "severityNumber " + lr.path("severityNumber");
                    if (!lr.path("body").path("stringValue").isTextual()) return "body.stringValue missing";
                    String p2 = attributes(lr.path("attributes"), "logRecord");
                    if (p2 != null) return p2;
                    accepted.add(lr);
                }
            }
        }
        records.addAll(accepted);
        return null;
    }

    /** OTLP KeyValue list: {key, value: AnyValue with exactly one of the scalar fields}; int64 as strings. */
    private static String attributes(JsonNode attrs, String where) {
        if (!attrs.isArray()) return where + ".attributes is not an array";
        for (JsonNode kv : attrs) {
            if (!kv.path("key").isTextual()) return where + " attribute without a key: " + kv;
            JsonNode v = kv.path("value");
            if (v.size() != 1) return where + " attribute " + kv.path("key") + " value has " + v.size() + " fields";
            String field = v.fieldNames().next();
            JsonNode x = v.get(field);
            boolean ok = switch (field) {
                case "stringValue" -> x.isTextual();
                case "intValue" -> x.isTextual() && x.asText().matches("-?[0-9]+");
                case "boolValue" -> x.isBoolean();
                case "doubleValue" -> x.isNumber();
                default -> false;
            };
            if (!ok) return where + " attribute " + kv.path("key") + " has a bad value " + v;
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
