package dev.netext.daemon.profile;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code memory:} section: {@code { soft: 64MiB, hard: 128MiB, window: 10s }}. Sizes are bytes or a number with
 * KiB/MiB/GiB (powers of 1024) or KB/MB/GB (powers of 1000); the window is a number of seconds ({@code 10s}) or
 * milliseconds ({@code 500ms}), 100 ms to 10 min. See {@link MemoryBudget} for what is measured.
 */
final class MemoryBudgetParser implements SectionParser<MemoryBudget> {
    private static final List<String> KEYS = List.of("soft", "hard", "window");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|B|KiB|MiB|GiB|KB|MB|GB|K|M|G)");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)");

    @Override public String key() { return "memory"; }

    @Override
    public MemoryBudget parse(YamlNode node, String path, Checks checks) {
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        int before = checks.errorCount();
        long soft = f.has("soft") ? size(f.get("soft"), f.path("soft"), checks) : 0;
        long hard = f.has("hard") ? size(f.get("hard"), f.path("hard"), checks) : 0;
        Duration window = f.has("window") ? duration(f.get("window"), f.path("window"), checks) : MemoryBudget.DEFAULT_WINDOW;
        if (checks.errorCount() > before) return null;
        if (soft == 0 && hard == 0) {
            checks.error(node, path, "a memory budget needs 'soft', 'hard' or both, like { soft: 64MiB, hard: 128MiB }");
            return null;
        }
        if (hard > 0 && soft > hard) {
            checks.error(f.get("soft"), f.path("soft"), "the soft limit is above the hard limit");
            return null;
        }
        return new MemoryBudget(soft, hard, window);
    }

    private static long size(YamlNode n, String path, Checks checks) {
        String text = n instanceof YamlNode.Scalar s ? s.text().strip() : null;
        Matcher m = text == null ? null : SIZE.matcher(text);
        if (m == null || !m.matches()) {
            checks.error(n, path, "expected a size like 64MiB, 512KiB or 1048576; got " + (n == null ? "nothing" : n.describe()));
            return -1;
        }
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "KIB", "K" -> 1L << 10;
            case "MIB", "M" -> 1L << 20;
            case "GIB", "G" -> 1L << 30;
            case "KB" -> 1000L;
            case "MB" -> 1000_000L;
            case "GB" -> 1000_000_000L;
            default -> 1L;
        };
        long v = Long.parseLong(m.group(1));
        if (v == 0 || v > (1L << 50) / unit) {
            checks.error(n, path, "size " + text + " is out of range (1 byte .. 1 PiB)");
            return -1;
        }
        return v * unit;
    }

    private static Duration duration(YamlNode n, String path, Checks checks) {
        String text = n instanceof YamlNode.Scalar s ? s.text().strip() : null;
        Matcher m = text == null ? null : DURATION.matcher(text);
        if (m == null || !m.matches()) {
            checks.error(n, path, "expected a duration like 10s or 500ms; got " + (n == null ? "nothing" : n.describe()));
            return null;
        }
        Duration d = Checks.duration(Long.parseLong(m.group(1)), m.group(2));
        if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
            checks.error(n, path, "window " + text + " is out of range (100ms .. 10m)");
            return null;
        }
        return d;
    }
}
