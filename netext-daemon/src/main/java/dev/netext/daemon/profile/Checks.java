package dev.netext.daemon.profile;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validation context for one profile file: collects {@link ProfileError}s and offers typed reads of
 * {@link YamlNode}s that report what they expected and what they found. Every read returns {@code null} after
 * reporting a problem, so a section parser checks all its keys and reports every problem, not just the first.
 */
public final class Checks {

    private final Path file;
    private final List<ProfileError> errors = new ArrayList<>();
    private int invalidReads;

    public Checks(Path file) {
        this.file = file;
    }

    public Path file() { return file; }

    public void error(int line, String keyPath, String reason) {
        errors.add(new ProfileError(file, line, keyPath, reason));
    }

    public void error(YamlNode at, String keyPath, String reason) {
        error(at == null ? 0 : at.line(), keyPath, reason);
    }

    /**
     * Problems so far: compare before and after reading a section to know whether it is usable. Reads of a value that
     * was already reported as unusable (while reading the tree) count too, so the section still sees them.
     */
    public int errorCount() { return errors.size() + invalidReads; }

    public List<ProfileError> errors() { return List.copyOf(errors); }

    /** {@code parent.key}, or {@code key} at the top. */
    /**
     * {@code amount} of a duration's unit as written in profiles and options: {@code ms}, {@code s}, {@code m},
     * {@code h} or {@code d} (the caller's pattern has checked it is one of them).
     */
    public static Duration duration(long amount, String unit) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    public static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * The node as a mapping whose keys must all be in {@code known}: each other key is reported as unknown, with a
     * did-you-mean. An empty value ({@code key:}) is an empty mapping. Returns null (reported) for a non-mapping.
     */
    public Fields fields(YamlNode node, String path, Collection<String> known) {
        if (node == null || node.isEmpty()) {
            int line = node == null ? 0 : node.line();
            return new Fields(this, path, line, Map.of());
        }
        if (reported(node)) return null;
        if (!(node instanceof YamlNode.MapNode map)) {
            error(node, path, "expected a mapping with keys " + String.join(", ", known) + "; got " + node.describe());
            return null;
        }
        for (YamlNode.Entry e : map.entries().values()) {
            if (!known.contains(e.key())) {
                error(e.keyLine(), child(path, e.key()), "unknown key" + Suggest.hint(e.key(), known)
                        + (Suggest.closest(e.key(), known).isPresent() ? "" : "; expected one of " + String.join(", ", known)));
            }
        }
        return new Fields(this, path, map.line(), map.entries());
    }

    /** A non-empty scalar's text. Numbers and booleans are taken as written ({@code name: 2024} is "2024"). */
    public String string(YamlNode node, String path) {
        if (node == null || reported(node)) return null;
        if (node instanceof YamlNode.Scalar s && s.kind() != YamlNode.Kind.OTHER) {
            if (s.isEmpty()) {
                error(node, path, "is empty");
                return null;
            }
            return s.text();
        }
        error(node, path, "expected a string; got " + node.describe());
        return null;
    }

    public Boolean bool(YamlNode node, String path) {
        if (node == null || reported(node)) return null;
        if (node instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.BOOLEAN) return (Boolean) s.value();
        String hint = node instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.STRING
                && (s.text().equalsIgnoreCase("true") || s.text().equalsIgnoreCase("false")) ? "; remove the quotes" : "";
        error(node, path, "expected true or false; got " + node.describe() + hint);
        return null;
    }

    /** A whole number within {@code min..max}; {@code what} names it in the range message ({@code mtu}). */
    public Long integer(YamlNode node, String path, String what, long min, long max) {
        if (node == null || reported(node)) return null;
        if (node instanceof YamlNode.Scalar s) {
            switch (s.kind()) {
                case INTEGER -> {
                    Number n = (Number) s.value();
                    boolean big = n instanceof BigInteger b && b.bitLength() > 63;
                    long v = n.longValue();
                    if (big || v < min || v > max) {
                        error(node, path, what + " " + s.text() + " is out of range (" + min + ".." + max + ")");
                        return null;
                    }
                    return v;
                }
                case STRING -> {
                    if (!s.text().isEmpty() && s.text().strip().chars().allMatch(Character::isDigit)) {
                        error(node, path, "expected a number; got " + node.describe() + "; remove the quotes");
                        return null;
                    }
                }
                default -> { }
            }
        }
        error(node, path, "expected a whole number; got " + node.describe());
        return null;
    }

    /**
     * A free-form mapping handed on as it is (a provider's {@code options:}, a custom class's {@code settings:}), as
     * Java values; empty when the node is absent. Anything else is reported, {@code what} naming what was expected
     * ("provider options"); an unusable value (an alias) was reported when it was read.
     */
    public Map<String, Object> mapping(YamlNode node, String path, String what) {
        if (node instanceof YamlNode.MapNode) {
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) node.toJava();
            return m;
        }
        if (node != null && !(node instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.INVALID))
            error(node, path, "expected a mapping of " + what + "; got " + node.describe());
        return Map.of();
    }

    /**
     * The node's items. Empty ({@code key:} or {@code []}) is an empty list. A single scalar where a list belongs is
     * reported with the fix ({@code write [x]}).
     */
    public List<YamlNode> list(YamlNode node, String path) {
        if (node == null || node.isEmpty()) return List.of();
        if (node instanceof YamlNode.ListNode l) return l.items();
        if (reported(node)) return null;
        String hint = node instanceof YamlNode.Scalar s && s.kind() != YamlNode.Kind.OTHER
                ? "; for a single item write [" + s.text() + "]" : "";
        error(node, path, "expected a list; got " + node.describe() + hint);
        return null;
    }

    private boolean reported(YamlNode node) {
        boolean invalid = node instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.INVALID;
        if (invalid) invalidReads++;
        return invalid;
    }

    /** A list of non-empty strings (null if the node is not a list; bad items are reported and skipped). */
    public List<String> strings(YamlNode node, String path) {
        List<YamlNode> items = list(node, path);
        if (items == null) return null;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String s = string(items.get(i), path + "[" + i + "]");
            if (s != null) out.add(s);
        }
        return out;
    }

    /** A validated mapping: lookups by key, with each key's path and line for messages. */
    public static final class Fields {
        private final Checks checks;
        private final String path;
        private final int line;
        private final Map<String, YamlNode.Entry> entries;

        Fields(Checks checks, String path, int line, Map<String, YamlNode.Entry> entries) {
            this.checks = checks;
            this.path = path;
            this.line = line;
            this.entries = entries;
        }

        /** The value under {@code key}, or null when the key is absent or its value empty. */
        public YamlNode get(String key) {
            YamlNode.Entry e = entries.get(key);
            return e == null || e.value().isEmpty() ? null : e.value();
        }

        /** The value under {@code key}, or null (reported as missing) when absent or empty. */
        public YamlNode require(String key, String hint) {
            YamlNode n = get(key);
            if (n == null) {
                YamlNode.Entry e = entries.get(key);
                checks.error(e != null ? e.keyLine() : line, path(key),
                        (e != null ? "is empty" : "missing") + (hint == null || hint.isEmpty() ? "" : "; " + hint));
            }
            return n;
        }

        /** The string under {@code key}, or null when the key is absent or its value is not a string (reported). */
        public String string(String key) { return checks.string(get(key), path(key)); }

        public boolean has(String key) { return entries.containsKey(key); }

        public Set<String> keys() { return entries.keySet(); }

        /** The key's line, or the mapping's line when the key is absent. */
        public int keyLine(String key) {
            YamlNode.Entry e = entries.get(key);
            return e != null ? e.keyLine() : line;
        }

        public String path(String key) { return child(path, key); }

        public String path() { return path; }

        public int line() { return line; }
    }
}
