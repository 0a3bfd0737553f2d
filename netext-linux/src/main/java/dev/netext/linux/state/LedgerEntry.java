package dev.netext.linux.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One kernel object an instance created, as one ledger line: a kind and {@code key=value} fields, e.g.
 * {@code rule family=4 priority=10012 table=52012 fwmark=0x4e58000c invert=true}. Values never contain spaces or
 * newlines, so a torn last line (a crash mid-append) is detected and skipped rather than misread.
 */
public record LedgerEntry(String kind, Map<String, String> fields) {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.:/%@+-]+");

    public LedgerEntry {
        if (!TOKEN.matcher(kind).matches()) throw new IllegalArgumentException("bad ledger kind '" + kind + "'");
        fields = Map.copyOf(new LinkedHashMap<>(fields));
        for (var e : fields.entrySet()) {
            if (!TOKEN.matcher(e.getKey()).matches() || !TOKEN.matcher(e.getValue()).matches())
                throw new IllegalArgumentException("bad ledger field " + e.getKey() + "=" + e.getValue());
        }
    }

    public static LedgerEntry of(String kind, String... keyValues) {
        if (keyValues.length % 2 != 0) throw new IllegalArgumentException("key without value");
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return new LedgerEntry(kind, m);
    }

    public String get(String key) { return fields.get(key); }

    public String require(String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalArgumentException("ledger entry " + this + " has no " + key);
        return v;
    }

    /** The line written to the ledger (without newline); keys sorted so equal entries print equally. */
    public String toLine() {
        StringBuilder sb = new StringBuilder(kind);
        fields.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
        return sb.toString();
    }

    /** Parses a ledger line; {@code null} for a torn or foreign line. */
    public static LedgerEntry parse(String line) {
        String[] parts = line.strip().split(" ");
        if (parts.length == 0 || !TOKEN.matcher(parts[0]).matches()) return null;
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || eq == parts[i].length() - 1) return null;
            m.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        try {
            return new LedgerEntry(parts[0], m);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() { return toLine(); }
}
