package dev.netext.daemon.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a scrape in the Prometheus text exposition format, version 0.0.4: per metric family one {@code # HELP} and
 * one {@code # TYPE} line, then its samples {@code name{label="value",…} number}. Label values are escaped as the
 * format requires (backslash, double quote, newline).
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder();
    private final Map<String, String> declared = new LinkedHashMap<>();

    /** Declares a family; samples of it follow. {@code type} is counter, gauge or untyped. */
    public PrometheusText family(String name, String type, String help) {
        if (declared.containsKey(name)) throw new IllegalStateException("family " + name + " declared twice");
        declared.put(name, type);
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample; {@code labels} alternate name, value. */
    public PrometheusText sample(String name, double value, String... labels) {
        if (!declared.containsKey(name)) throw new IllegalStateException("family " + name + " not declared");
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (i > 0) out.append(',');
                out.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
        return this;
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String format(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    @Override
    public String toString() { return out.toString(); }
}
