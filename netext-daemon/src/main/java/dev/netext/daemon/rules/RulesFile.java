package dev.netext.daemon.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.flow.Direction;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.rules.RuleAction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules file: {@code {"version": 1, "rules": [ {id, action, host, process, cidr, port, profile, created,
 * expires, source}, … ]}}, one rule object per line so an error names a useful line. Written by atomic replace
 * (temporary file, fsync, rename); read strictly — any error is a {@link CorruptRulesException} naming
 * {@code file:line}, never a rule silently skipped.
 */
public final class RulesFile {
    /** The format this daemon writes and reads. */
    public static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RulesFile() {}

    /** A rules file that cannot be read as a whole. */
    public static final class CorruptRulesException extends Exception {
        private final int line;

        CorruptRulesException(Path file, int line, String message) {
            super(file + ":" + line + ": " + message);
            this.line = line;
        }

        public int line() { return line; }
    }

    /** The rules of {@code file}; an empty list when it does not exist. */
    public static List<SavedRule> read(Path file) throws IOException, CorruptRulesException {
        if (!Files.exists(file)) return List.of();
        List<SavedRule> out = new ArrayList<>();
        boolean versioned = false;
        try (JsonParser p = MAPPER.createParser(Files.readString(file, StandardCharsets.UTF_8))) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw corrupt(file, p, "expected {\"version\": 1, \"rules\": [...]}");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "version" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getIntValue() != VERSION)
                            throw corrupt(file, p, "version " + p.getText() + " is not " + VERSION);
                        versioned = true;
                    }
                    case "rules" -> {
                        if (value != JsonToken.START_ARRAY) throw corrupt(file, p, "rules must be a list");
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            int line = p.currentTokenLocation().getLineNr();
                            JsonNode r = MAPPER.readTree(p);
                            try {
                                out.add(rule(r));
                            } catch (RuntimeException e) {
                                throw new CorruptRulesException(file, line, e.getMessage());
                            }
                        }
                        if (p.currentToken() != JsonToken.END_ARRAY) throw corrupt(file, p, "a rule must be an object");
                    }
                    default -> throw corrupt(file, p, "unknown key '" + field + "'");
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) throw corrupt(file, p, "expected the end of the object");
            if (!versioned) throw new CorruptRulesException(file, 1, "no \"version\"");
            if (p.nextToken() != null) throw corrupt(file, p, "text after the end of the object");
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
            throw new CorruptRulesException(file, line, e.getOriginalMessage());
        }
        return out;
    }

    /** Replaces {@code file} with {@code rules}: a reader sees the old file or the new one, never a part. */
    public static void write(Path file, List<SavedRule> rules) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        StringBuilder b = new StringBuilder("{\"version\": ").append(VERSION).append(", \"rules\": [\n");
        for (int i = 0; i < rules.size(); i++) {
            b.append("  ").append(MAPPER.writeValueAsString(json(rules.get(i)))).append(i + 1 < rules.size() ? ",\n" : "\n");
        }
        b.append("]}\n");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself survives a crash
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    /** A rule as the file, the control API and the dashboard show it. */
    public static ObjectNode json(SavedRule r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", r.id());
        o.put("action", r.actionName());
        if (r.host() != null) o.put("host", r.host());
        if (r.process() != null) o.put("process", r.process().toString());
        if (r.cidr() != null) o.put("cidr", r.cidr().toString());
        if (r.port() != null) o.put("port", r.port());
        if (r.direction() == Direction.INBOUND) o.put("direction", "in"); // outbound is the default: older files stay valid
        if (r.profile() != null) o.put("profile", r.profile());
        o.put("created", r.created().toString());
        if (r.expires() != null) o.put("expires", r.expires().toString());
        o.put("source", r.source());
        return o;
    }

    /** The rules as a JSON list ({@code persistent: false} marks "until restart" ones). */
    public static ArrayNode json(List<SavedRule> rules) {
        ArrayNode a = MAPPER.createArrayNode();
        for (SavedRule r : rules) a.add(json(r).put("persistent", r.persistent()));
        return a;
    }

    static SavedRule rule(JsonNode r) {
        for (var it = r.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("id", "action", "host", "process", "cidr", "port", "profile", "created", "expires", "source",
                    "direction").contains(k))
                throw new IllegalArgumentException("unknown key '" + k + "' in a rule");
        }
        String id = text(r, "id");
        if (id == null || id.isBlank()) throw new IllegalArgumentException("a rule needs an id");
        String process = text(r, "process"), cidr = text(r, "cidr"), created = text(r, "created"), expires = text(r, "expires");
        if (created == null) throw new IllegalArgumentException("rule " + id + " has no created time");
        Integer port = null;
        if (r.has("port")) {
            if (!r.get("port").isInt()) throw new IllegalArgumentException("rule " + id + ": port must be a number");
            port = r.get("port").asInt();
        }
        return new SavedRule(id, action(text(r, "action")), text(r, "host"), process == null ? null : Path.of(process),
                cidr == null ? null : IpPrefix.parse(cidr), port, text(r, "profile"), Instant.parse(created),
                expires == null ? null : Instant.parse(expires), text(r, "source"), true, direction(text(r, "direction")));
    }

    /** {@code in} or {@code out} (null: out). */
    public static Direction direction(String s) {
        if (s == null || "out".equals(s)) return Direction.OUTBOUND;
        if ("in".equals(s)) return Direction.INBOUND;
        throw new IllegalArgumentException("direction must be in or out, not " + s);
    }

    /** {@code allow} or {@code deny} ({@code drop} too). */
    public static RuleAction action(String s) {
        if ("allow".equals(s)) return RuleAction.ALLOW;
        if ("deny".equals(s) || "drop".equals(s)) return RuleAction.DROP;
        throw new IllegalArgumentException("action must be allow or deny, not " + s);
    }

    private static String text(JsonNode r, String key) {
        JsonNode n = r.get(key);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new IllegalArgumentException(key + " must be a string");
        return n.asText();
    }

    private static CorruptRulesException corrupt(Path file, JsonParser p, String message) {
        return new CorruptRulesException(file, p.currentTokenLocation().getLineNr(), message);
    }
}
