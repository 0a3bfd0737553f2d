package dev.netext.daemon.profile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree whose every node remembers where it was written. Jackson's {@code JsonNode} drops
 * locations, so {@link YamlTreeReader} builds this from the parser's token stream instead.
 */
public sealed interface YamlNode permits YamlNode.MapNode, YamlNode.ListNode, YamlNode.Scalar {

    /** 1-based line where the node starts. */
    int line();

    /** 1-based column where the node starts. */
    int column();

    /** What the node is, for messages: {@code a list}, {@code a string ('x')}, {@code an integer (5)}. */
    String describe();

    /** Whether the value was left empty ({@code key:}, {@code key: null}, {@code key: ""}). */
    default boolean isEmpty() { return false; }

    /** A plain Java value: maps, lists, strings, numbers, booleans, nulls (unmodifiable). */
    Object toJava();

    /** A mapping entry: the key with its own line, and the value. */
    record Entry(String key, int keyLine, YamlNode value) {}

    record MapNode(int line, int column, Map<String, Entry> entries) implements YamlNode {
        public MapNode {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override public String describe() { return "a mapping"; }

        @Override public Object toJava() {
            Map<String, Object> m = new LinkedHashMap<>();
            entries.forEach((k, e) -> m.put(k, e.value().toJava()));
            return Collections.unmodifiableMap(m);
        }
    }

    record ListNode(int line, int column, List<YamlNode> items) implements YamlNode {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override public String describe() { return "a list"; }

        @Override public Object toJava() {
            List<Object> l = new ArrayList<>(items.size());
            for (YamlNode n : items) l.add(n.toJava());
            return Collections.unmodifiableList(l);
        }
    }

    /** {@code INVALID}: a value already reported as unusable (an alias); reads of it report nothing more. */
    enum Kind { STRING, INTEGER, FLOAT, BOOLEAN, NULL, OTHER, INVALID }

    /**
     * A scalar. {@code value} is a String, Integer/Long/BigInteger, Double/BigDecimal, Boolean or null;
     * {@code text} is the scalar as the parser reported it.
     */
    record Scalar(int line, int column, Kind kind, String text, Object value) implements YamlNode {

        @Override public boolean isEmpty() {
            return kind == Kind.NULL || (kind == Kind.STRING && text.isEmpty());
        }

        @Override public String describe() {
            return switch (kind) {
                case STRING -> text.isEmpty() ? "nothing" : "a string ('" + abbreviate(text) + "')";
                case INTEGER -> "an integer (" + abbreviate(text) + ")";
                case FLOAT -> "a number (" + abbreviate(text) + ")";
                case BOOLEAN -> "a boolean (" + text + ")";
                case NULL -> "nothing";
                case OTHER, INVALID -> "an unsupported value";
            };
        }

        @Override public Object toJava() { return value; }

        static String abbreviate(String s) {
            s = s.replace("\n", "\\n");
            return s.length() <= 60 ? s : s.substring(0, 57) + "...";
        }
    }
}
