package dev.netext.api.net;

import java.net.IDN;
import java.util.Locale;

/**
 * Domain-name text rules shared by split DNS, network rules and on-demand rules, so that "does this name match" means
 * the same thing everywhere in netext.
 *
 * <p>Names are compared in normalized form: lower case (ASCII only, RFC 4343), without the trailing root dot, with
 * internationalized names converted to their ASCII ({@code xn--}) form.
 */
public final class DomainName {
    private DomainName() {}

    /** The longest name in text form (RFC 1035 §2.3.4: 255 octets on the wire). */
    public static final int MAX_LENGTH = 253;
    public static final int MAX_LABEL_LENGTH = 63;

    /**
     * Normalizes and validates a name: lower case, ASCII, no trailing dot, labels of 1..63 characters, at most 253
     * characters. The root is {@code ""}. Labels may contain any printable ASCII except dot (DNS allows more than
     * hostnames do: {@code _sip._tcp} is a name).
     */
    public static String normalize(String name) {
        if (name == null) throw new IllegalArgumentException("name is null");
        String s = name.strip();
        if (s.equals(".")) return "";
        if (s.endsWith(".")) s = s.substring(0, s.length() - 1);
        if (s.isEmpty()) return "";
        if (!s.chars().allMatch(c -> c < 0x80)) {
            try {
                s = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + name + "' is not a valid internationalized name", e);
            }
        }
        s = s.toLowerCase(Locale.ROOT);
        if (s.length() > MAX_LENGTH) throw new IllegalArgumentException("name longer than " + MAX_LENGTH + ": " + name);
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty()) throw new IllegalArgumentException("empty label in '" + name + "'");
            if (label.length() > MAX_LABEL_LENGTH)
                throw new IllegalArgumentException("label longer than " + MAX_LABEL_LENGTH + " in '" + name + "'");
            if (!label.chars().allMatch(c -> c > 0x20 && c < 0x7F))
                throw new IllegalArgumentException("label with a control character or space in '" + name + "'");
        }
        return s;
    }

    /**
     * Whether {@code name} is {@code domain} or a name under it: {@code a.corp.example} is within {@code corp.example}
     * and within itself; {@code xcorp.example} is not. Every name is within the root {@code ""}. Split-DNS match
     * domains and on-demand evaluation domains use this.
     */
    public static boolean isWithin(String name, String domain) {
        String n = normalize(name);
        String d = normalize(domain);
        if (d.isEmpty()) return true;
        return n.equals(d) || (n.length() > d.length() && n.endsWith(d) && n.charAt(n.length() - d.length() - 1) == '.');
    }

    /**
     * Whether {@code name} matches a host pattern: {@code example.com} matches only itself; {@code *.example.com}
     * matches names strictly under {@code example.com} (any depth) but not {@code example.com} itself; {@code *}
     * matches every name. This is the pattern language of {@code NENetworkRule(destinationHost:)} and of search-domain
     * conditions.
     */
    public static boolean matchesPattern(String name, String pattern) {
        String p = pattern == null ? "" : pattern.strip();
        if (p.equals("*")) return true;
        String n = normalize(name);
        if (p.startsWith("*.")) {
            String d = normalize(p.substring(2));
            return n.length() > d.length() && n.endsWith(d) && n.charAt(n.length() - d.length() - 1) == '.';
        }
        return n.equals(normalize(p));
    }

    /** Validates a host pattern as {@link #matchesPattern} reads it and returns it normalized. */
    public static String normalizePattern(String pattern) {
        if (pattern == null || pattern.isBlank()) throw new IllegalArgumentException("empty host pattern");
        String p = pattern.strip();
        if (p.equals("*")) return p;
        if (p.startsWith("*.")) return "*." + normalize(p.substring(2));
        if (p.contains("*")) throw new IllegalArgumentException("'*' is allowed only as a leading label: " + pattern);
        return normalize(p);
    }
}
