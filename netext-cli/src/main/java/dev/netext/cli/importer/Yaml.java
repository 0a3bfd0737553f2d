package dev.netext.cli.importer;

import java.util.List;
import java.util.stream.Collectors;

/** Writing values from imported files into YAML safely: every such string double-quoted, with escapes (YAML 1.2 §5.7). */
final class Yaml {
    private Yaml() {}

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) && !validSurrogate(s, i)) sb.append(String.format("\\x%02x", (int) c & 0xFF));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    static String list(List<String> items) {
        return items.stream().map(Yaml::quote).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A comment line per line of {@code text}. */
    static String comment(String text) {
        return text.lines().map(l -> "# " + l.replaceAll("\\p{Cntrl}", " ")).collect(Collectors.joining("\n")) + "\n";
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
