package dev.netext.api.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address with a prefix length, written {@code 10.7.0.1/24} or {@code fd84::1/64}. Used both for interface
 * addresses (the host part matters) and for routes ({@link #network()} drops it).
 *
 * <p>{@link #parse} accepts only numeric addresses: it never resolves names, so parsing a profile cannot block on DNS.
 */
public record IpPrefix(InetAddress address, int length) {

    public IpPrefix {
        if (address == null) throw new IllegalArgumentException("address is null");
        int max = IpFamily.of(address).bits();
        if (length < 0 || length > max)
            throw new IllegalArgumentException("prefix length " + length + " is outside 0.." + max);
    }

    /** Parses {@code ADDRESS/LENGTH}; a bare address is a host prefix (/32 or /128). */
    public static IpPrefix parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty prefix");
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress a = parseAddress(addr);
        int len;
        if (slash < 0) {
            len = IpFamily.of(a).bits();
        } else {
            String l = s.substring(slash + 1);
            if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(Character::isDigit))
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            len = Integer.parseInt(l);
        }
        return new IpPrefix(a, len);
    }

    /**
     * Parses a numeric IPv4 or IPv6 address without any name lookup. Brackets around IPv6 are accepted.
     */
    public static InetAddress parseAddress(String text) {
        if (text == null) throw new IllegalArgumentException("empty address");
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.isEmpty()) throw new IllegalArgumentException("empty address");
        boolean v6 = s.indexOf(':') >= 0;
        if (v6) {
            if (!s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.'))
                throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
        } else {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255)
                    throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
        }
        try {
            return InetAddress.getByName(s); // numeric only: checked above, so no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
        }
    }

    public IpFamily family() { return IpFamily.of(address); }

    /** The prefix with host bits cleared: {@code 10.7.0.1/24 -> 10.7.0.0/24}. */
    public IpPrefix network() {
        byte[] b = address.getAddress();
        mask(b, length);
        try {
            return new IpPrefix(InetAddress.getByAddress(b), length);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether {@code other} lies inside this prefix (same family, and its address matches this prefix's bits). */
    public boolean contains(InetAddress other) {
        byte[] a = address.getAddress();
        byte[] b = other.getAddress();
        if (a.length != b.length) return false;
        mask(a, length);
        mask(b, length);
        return Arrays.equals(a, b);
    }

    /** Whether the two prefixes share any address: one contains the other's network. */
    public boolean overlaps(IpPrefix other) {
        if (family() != other.family()) return false;
        return length <= other.length ? contains(other.address) : other.contains(address);
    }

    private static void mask(byte[] b, int length) {
        for (int i = 0; i < b.length; i++) {
            int keep = Math.clamp(length - i * 8, 0, 8);
            b[i] &= (byte) (0xFF << (8 - keep));
        }
    }

    @Override
    public String toString() {
        String a = address.getHostAddress();
        int pct = a.indexOf('%');
        if (pct >= 0) a = a.substring(0, pct);
        if (address instanceof Inet6Address) a = compress(a);
        return a + "/" + length;
    }

    /** Java prints IPv6 uncompressed ({@code fd84:0:0:0:0:0:0:1}); users and {@code ip} expect RFC 5952 form. */
    static String compress(String full) {
        String[] g = full.split(":");
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < g.length; ) {
            if (g[i].equals("0")) {
                int j = i;
                while (j < g.length && g[j].equals("0")) j++;
                if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
                i = j;
            } else i++;
        }
        if (bestStart < 0) return full;
        String head = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, g.length));
        return head + "::" + tail;
    }

    /** RFC 5952 text of any address, without a scope suffix. */
    public static String format(InetAddress address) {
        return new IpPrefix(address, IpFamily.of(address).bits()).toString().replaceFirst("/\\d+$", "");
    }
}
