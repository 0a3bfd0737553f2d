package dev.netext.cli.prompts;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The flows waiting for an answer, as the daemon's {@code flows} stream reports them: a flow is pending while its
 * state is {@code paused} and its prompt's outcome {@code pending}; any later line about it (answered, timed out,
 * closed) takes it away. One of them is the {@linkplain #current current} one, shown until it is answered, goes away
 * or is {@linkplain #skip skipped}; the oldest (lowest id) comes first. Thread-safe: the stream's reader and the
 * screen's loop share it.
 */
public final class PendingPrompts {
    /** A paused flow as the prompt shows it. */
    public record Pending(long id, String profile, String processLabel, String executable, Long uid, String host,
                          String hostSource, String remote, String protocol, Instant deadline, String onTimeout,
                          String rule) {
        /** The remote port (the part after the last colon of {@code remote}), or {@code ?}. */
        public String port() {
            int colon = remote.lastIndexOf(':');
            return colon < 0 ? "?" : remote.substring(colon + 1);
        }

        /** The remote address without its port, brackets of IPv6 taken off. */
        public String address() {
            int colon = remote.lastIndexOf(':');
            return (colon < 0 ? remote : remote.substring(0, colon)).replace("[", "").replace("]", "");
        }
    }

    private final TreeMap<Long, Pending> byId = new TreeMap<>();
    private long current = -1;

    /** Takes in one flow of the stream ({@code FlowJson}); true when the pending set changed. */
    public synchronized boolean apply(JsonNode flow) {
        long id = flow.path("id").asLong(0);
        if (id <= 0) return false;
        boolean pending = flow.path("state").asText().equals("paused") && flow.path("prompt").path("outcome").asText().equals("pending");
        if (!pending) return byId.remove(id) != null;
        byId.put(id, parse(id, flow));
        return true;
    }

    /** Forgets {@code id} (answered here: the stream's line saying so may come later). */
    public synchronized void remove(long id) {
        byId.remove(id);
    }

    /** Forgets the prompts whose deadline has passed (the daemon's timeout line may be on its way). */
    public synchronized boolean expire(Instant now) {
        return byId.values().removeIf(p -> p.deadline() != null && !p.deadline().isAfter(now));
    }

    /** The prompt to show: the one shown before if it still waits, else the oldest; null when none waits. */
    public synchronized Pending current() {
        Pending p = byId.get(current);
        if (p == null) {
            p = byId.isEmpty() ? null : byId.firstEntry().getValue();
            current = p == null ? -1 : p.id();
        }
        return p;
    }

    /** Shows the next waiting prompt (by id, wrapping around); the skipped one keeps waiting. */
    public synchronized void skip() {
        Pending now = current();
        if (now == null) return;
        var next = byId.higherEntry(now.id());
        current = (next != null ? next : byId.firstEntry()).getKey();
    }

    /** How many prompts wait, the current one included. */
    public synchronized int size() { return byId.size(); }

    /** Every waiting prompt, oldest first. */
    public synchronized List<Pending> all() { return new ArrayList<>(byId.values()); }

    private static Pending parse(long id, JsonNode f) {
        JsonNode p = f.path("process");
        return new Pending(id, f.path("profile").asText(""), p.path("label").asText("?"),
                p.hasNonNull("executable") ? p.get("executable").asText() : null,
                p.hasNonNull("uid") ? p.get("uid").asLong() : null,
                f.hasNonNull("hostname") ? f.get("hostname").asText() : null,
                f.hasNonNull("hostname_source") ? f.get("hostname_source").asText() : null,
                f.path("remote").asText("?"), f.path("protocol").asText("?"),
                instant(f.path("prompt").path("deadline").asText(null)), f.path("prompt").path("default").asText(null),
                rule(f.path("decided_by")));
    }

    /** The rule that asked ({@code web#1: host=*.example}), or null when the daemon did not name one. */
    private static String rule(JsonNode d) {
        if (!d.hasNonNull("rule")) return null;
        return d.get("rule").asText() + (d.hasNonNull("match") ? ": " + d.get("match").asText() : "");
    }

    private static Instant instant(String s) {
        if (s == null) return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
