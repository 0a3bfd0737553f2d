package dev.netext.daemon.diagnose;

import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Text forms shared by the text and JSON reports. */
final class Format {
    private static final Pattern DEV = Pattern.compile(" dev #(\\d+)");
    private static final Pattern TABLE = Pattern.compile(" table \\S+");

    private Format() {}

    /** A route as {@code ip route show table T} prints it: device names resolved, the table left out. */
    static String route(Route r, NetworkSnapshot s) {
        String t = TABLE.matcher(r.toString()).replaceFirst("");
        Matcher m = DEV.matcher(t);
        return m.replaceAll(mr -> Matcher.quoteReplacement(" dev " + s.linkName(Integer.parseInt(mr.group(1)))));
    }

    /** {@code up,running}, {@code up} or {@code down}. */
    static String state(Link l) {
        return !l.up() ? "down" : l.running() ? "up,running" : "up,no-carrier";
    }

    static String addresses(NetworkSnapshot s, Link l) {
        String a = s.addressesOf(l.index()).stream().map(x -> x.prefix().toString()).collect(Collectors.joining(", "));
        return a.isEmpty() ? "-" : a;
    }

    /** Rows as aligned columns, two spaces apart, each line starting with {@code indent}. */
    static String columns(String indent, List<String[]> rows) {
        int n = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] w = new int[n];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].codePointCount(0, r[i].length()));
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].codePointCount(0, r[i].length()) + 2));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static List<String[]> rows(String[] header) {
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        return rows;
    }
}
