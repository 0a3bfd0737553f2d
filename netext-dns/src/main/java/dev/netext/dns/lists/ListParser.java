package dev.netext.dns.lists;

import dev.netext.api.net.IpPrefix;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the list formats people already have, line by line, each line on its own (a file may mix them):
 * <ul>
 *   <li><b>hosts file</b> — {@code 0.0.0.0 ads.example [more names…]} (any address first): each name blocks
 *       <em>that exact name</em>, as in Pi-hole's gravity and in {@code /etc/hosts} itself (hosts lists such as
 *       StevenBlack's list every subdomain they mean on its own line). {@code localhost} and the other names a
 *       hosts file defines for itself are skipped.</li>
 *   <li><b>plain domain</b> — {@code ads.example} or {@code *.ads.example}: the name <em>and every name below
 *       it</em>, as dnsmasq's {@code --address=/ads.example/}, unbound's {@code local-zone} and AdGuard Home's
 *       domain lists do.</li>
 *   <li><b>adblock</b> — {@code ||ads.example^} (optionally {@code $important}): the name and every name below it,
 *       which is what {@code ||} means in adblock syntax. Other adblock rules (exceptions {@code @@}, options, cosmetic
 *       {@code ##}, paths, regexes) are junk here: netext cannot honour them and says so rather than guess.</li>
 *   <li><b>CIDR</b> — {@code 192.0.2.0/24}, {@code 2001:db8::/32} or a bare address: for flow rules, the remote
 *       address; DNS ignores them.</li>
 * </ul>
 * {@code #} and {@code !} start comments (a {@code #} inside a line ends it when a blank precedes it), as does an
 * adblock header {@code [Adblock Plus 2.0]}. Any other line is junk: counted and its number reported
 * ({@link ListReport}), never fatal.
 */
public final class ListParser {
    private ListParser() {}

    /** Names a hosts file defines for the machine itself: never entries. */
    static final Set<String> HOSTS_OWN_NAMES = Set.of("localhost", "localhost.localdomain", "local", "broadcasthost",
            "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters",
            "ip6-allhosts", "0.0.0.0");
    /** RFC 1035 §2.3.4 in text: 255 octets on the wire is 253 characters without the trailing dot. */
    static final int MAX_NAME_CHARS = 253;

    public static BlockList parse(String name, Path file, Reader reader) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
        try (DomainSet.Builder names = new DomainSet.Builder()) { // unmaps what was collected if reading fails
            return parse(name, file, in, names);
        }
    }

    private static BlockList parse(String name, Path file, BufferedReader in, DomainSet.Builder names) throws IOException {
        AddressSet.Builder addresses = new AddressSet.Builder();
        long lines = 0, comments = 0, skipped = 0, junk = 0;
        int[] firstJunk = new int[ListReport.MAX_REPORTED];
        String raw;
        while ((raw = in.readLine()) != null) {
            lines++;
            Kind k = line(raw, names, addresses);
            switch (k) {
                case COMMENT -> comments++;
                case SKIPPED -> skipped++;
                case JUNK -> {
                    if (junk < firstJunk.length) firstJunk[(int) junk] = (int) Math.min(lines, Integer.MAX_VALUE);
                    junk++;
                }
                case ENTRY -> { }
            }
        }
        ListReport report = new ListReport(lines, names.size(), addresses.size(), comments, skipped, junk,
                Arrays.copyOf(firstJunk, (int) Math.min(junk, firstJunk.length)));
        return new BlockList(name, file, names.build(), addresses.build(), report);
    }

    enum Kind { ENTRY, COMMENT, SKIPPED, JUNK }

    /** Adds what one line holds; says what it was. */
    static Kind line(String raw, DomainSet.Builder names, AddressSet.Builder addresses) {
        String line = raw.strip();
        if (line.isEmpty()) return Kind.COMMENT;
        char c0 = line.charAt(0);
        if (c0 == '#' || c0 == '!' || (c0 == '[' && line.endsWith("]"))) return Kind.COMMENT;
        int hash = line.indexOf('#');
        if (hash > 0) {
            if (!Character.isWhitespace(line.charAt(hash - 1))) return Kind.JUNK; // adblock ## / #@# and the like
            line = line.substring(0, hash).strip();
        }
        if (line.startsWith("||")) return adblock(line, names);
        int space = firstBlank(line);
        if (space < 0) return single(line, names, addresses);
        String first = line.substring(0, space);
        if (!looksLikeAddress(first) || !isAddress(first)) return Kind.JUNK;
        boolean any = false, bad = false;
        for (String host : line.substring(space + 1).strip().split("\\s+")) {
            String h = trimDot(host);
            if (HOSTS_OWN_NAMES.contains(h.toLowerCase(Locale.ROOT))) continue;
            if (isDomain(h)) { names.add(h, false); any = true; }
            else bad = true;
        }
        return bad ? Kind.JUNK : any ? Kind.ENTRY : Kind.SKIPPED;
    }

    private static Kind adblock(String line, DomainSet.Builder names) {
        int caret = line.indexOf('^');
        if (caret < 0) return Kind.JUNK;
        String rest = line.substring(caret + 1);
        if (!rest.isEmpty() && !rest.equals("|") && !rest.equals("$important")) return Kind.JUNK;
        String d = line.substring(2, caret);
        if (!isDomain(d)) return Kind.JUNK;
        names.add(d, true);
        return Kind.ENTRY;
    }

    private static Kind single(String token, DomainSet.Builder names, AddressSet.Builder addresses) {
        if (token.indexOf('/') >= 0 || looksLikeAddress(token)) {
            try {
                addresses.add(IpPrefix.parse(token));
                return Kind.ENTRY;
            } catch (IllegalArgumentException e) {
                return Kind.JUNK;
            }
        }
        String d = token.startsWith("*.") ? token.substring(2) : token;
        d = trimDot(d);
        if (HOSTS_OWN_NAMES.contains(d.toLowerCase(Locale.ROOT))) return Kind.SKIPPED;
        if (!isDomain(d)) return Kind.JUNK;
        names.add(d, true);
        return Kind.ENTRY;
    }

    private static int firstBlank(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ' ' || s.charAt(i) == '\t') return i;
        return -1;
    }

    private static String trimDot(String s) {
        return s.length() > 1 && s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** Only address characters: IPv6 (has ':') or dotted digits; cheap, so most domain lines never reach the parser. */
    static boolean looksLikeAddress(String s) {
        boolean colon = false, letter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') colon = true;
            else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) letter = true;
            else if (!(c >= '0' && c <= '9') && c != '.' && c != '[' && c != ']' && c != '/' && c != '%') return false;
        }
        return colon || !letter;
    }

    private static boolean isAddress(String s) {
        try {
            IpPrefix.parseAddress(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A host name as lists write them: labels of letters, digits, '-' and '_' (used in real names, e.g. SRV-style
     * and some trackers), 1–63 characters each, at least two labels, at most {@value #MAX_NAME_CHARS} characters.
     */
    static boolean isDomain(String s) {
        int n = s.length();
        if (n == 0 || n > MAX_NAME_CHARS) return false;
        int label = 0;
        boolean dot = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (label == 0) return false;
                label = 0;
                dot = true;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                if (++label > 63) return false;
            } else {
                return false;
            }
        }
        return dot && label > 0;
    }
}
