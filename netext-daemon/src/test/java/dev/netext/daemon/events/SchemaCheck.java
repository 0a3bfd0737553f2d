package dev.netext.daemon.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small JSON Schema (2020-12) checker for the keywords {@code docs/events.schema.json} uses. A keyword it does not
 * know fails the check instead of being ignored, so the schema cannot silently say more than is checked.
 */
public final class SchemaCheck {
    /** The schema of the exported event lines, relative to a module's directory (where tests run). */
    public static final java.nio.file.Path EVENTS_SCHEMA = java.nio.file.Path.of("../docs/events.schema.json");
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description", "format", "$defs");

    private final JsonNode root;

    public SchemaCheck(JsonNode root) {
        this.root = root;
    }

    /** The checker of {@code docs/events.schema.json}. */
    public static SchemaCheck events() throws java.io.IOException {
        return new SchemaCheck(EventJson.MAPPER.readTree(java.nio.file.Files.readString(EVENTS_SCHEMA)));
    }

    /** Problems of {@code value} against the root schema; empty when valid. */
    public List<String> problems(JsonNode value) {
        List<String> out = new ArrayList<>();
        check(root, value, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode v, String at, List<String> out) {
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) out.add(at + ": not allowed");
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = schema.fields();
        while (it.hasNext()) {
            var kw = it.next();
            JsonNode s = kw.getValue();
            switch (kw.getKey()) {
                case "$ref" -> check(resolve(s.asText()), v, at, out);
                case "type" -> {
                    boolean ok = false;
                    for (JsonNode t : s.isArray() ? s : List.of(s)) ok |= hasType(v, t.asText());
                    if (!ok) out.add(at + ": expected " + s + ", got " + v.getNodeType());
                }
                case "const" -> { if (!s.equals(v)) out.add(at + ": expected " + s + ", got " + v); }
                case "enum" -> {
                    boolean ok = false;
                    for (JsonNode e : s) ok |= e.equals(v);
                    if (!ok) out.add(at + ": " + v + " not in " + s);
                }
                case "minimum" -> { if (v.isNumber() && v.decimalValue().compareTo(s.decimalValue()) < 0) out.add(at + ": " + v + " < " + s); }
                case "maximum" -> { if (v.isNumber() && v.decimalValue().compareTo(s.decimalValue()) > 0) out.add(at + ": " + v + " > " + s); }
                case "minLength" -> { if (v.isTextual() && v.asText().codePointCount(0, v.asText().length()) < s.asInt()) out.add(at + ": shorter than " + s); }
                case "pattern" -> { if (v.isTextual() && !Pattern.compile(s.asText()).matcher(v.asText()).find()) out.add(at + ": '" + v.asText() + "' does not match " + s.asText()); }
                case "required" -> {
                    if (v.isObject()) for (JsonNode r : s) if (!v.has(r.asText())) out.add(at + ": missing " + r.asText());
                }
                case "properties" -> {
                    if (v.isObject()) s.fields().forEachRemaining(p -> {
                        if (v.has(p.getKey())) check(p.getValue(), v.get(p.getKey()), at + "." + p.getKey(), out);
                    });
                }
                case "additionalProperties" -> {
                    if (v.isObject()) {
                        JsonNode props = schema.get("properties");
                        v.fields().forEachRemaining(f -> {
                            if (props == null || !props.has(f.getKey())) check(s, f.getValue(), at + "." + f.getKey(), out);
                        });
                    }
                }
                case "items" -> { if (v.isArray()) for (int i = 0; i < v.size(); i++) check(s, v.get(i), at + "[" + i + "]", out); }
                case "allOf" -> { for (JsonNode sub : s) check(sub, v, at, out); }
                case "anyOf", "oneOf" -> {
                    int matching = 0;
                    List<String> why = new ArrayList<>();
                    for (JsonNode sub : s) {
                        List<String> p = new ArrayList<>();
                        check(sub, v, at, p);
                        if (p.isEmpty()) matching++;
                        else why.add(String.join("; ", p));
                    }
                    if (matching == 0) out.add(at + ": matches none of " + kw.getKey() + " " + why);
                    else if (kw.getKey().equals("oneOf") && matching > 1) out.add(at + ": matches " + matching + " of oneOf");
                }
                default -> {
                    if (!ANNOTATIONS.contains(kw.getKey())) out.add("schema keyword '" + kw.getKey() + "' is not supported by this check");
                }
            }
        }
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) throw new IllegalArgumentException("only local refs: " + ref);
        JsonNode n = root.at(ref.substring(1));
        if (n.isMissingNode()) throw new IllegalArgumentException("unresolved $ref " + ref);
        return n;
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }
}
