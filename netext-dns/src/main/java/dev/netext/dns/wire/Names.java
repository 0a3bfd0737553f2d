package dev.netext.dns.wire;

import java.util.Arrays;

import static dev.netext.dns.wire.DnsWire.*;

/** Domain names on the wire (RFC 1035 §3.1, §4.1.4): reading with compression, text form, encoding. */
public final class Names {
    private Names() {}

    /** Text form of an uncompressed name in {@code b[start, end)}: lower case, no trailing dot. */
    public static String text(byte[] b, int start, int end) {
        StringBuilder sb = new StringBuilder(end - start);
        int p = start;
        while (p < end) {
            int l = b[p] & 0xFF;
            if (l == 0) break;
            if (!sb.isEmpty()) sb.append('.');
            for (int i = 1; i <= l; i++) sb.append((char) (fold(b[p + i]) & 0xFF));
            p += l + 1;
        }
        return sb.toString();
    }

    /** Whether the uncompressed name in {@code b[start, end)} has only printable ASCII other than '.' in its labels. */
    public static boolean isPrintable(byte[] b, int start, int end) {
        int p = start;
        while (p < end) {
            int l = b[p] & 0xFF;
            if (l == 0) return true;
            for (int i = 1; i <= l; i++) {
                int c = b[p + i] & 0xFF;
                if (c <= 0x20 || c >= 0x7F || c == '.') return false;
            }
            p += l + 1;
        }
        return true;
    }

    /**
     * Reads a possibly compressed name at {@code p} of the message {@code b[0, end)} as text, or null if malformed
     * (pointer loops are cut by allowing at most 127 jumps, which covers any legal name).
     */
    public static String read(byte[] b, int p, int end) {
        StringBuilder sb = new StringBuilder(32);
        int jumps = 0;
        int total = 0;
        while (true) {
            if (p < 0 || p >= end) return null;
            int l = b[p] & 0xFF;
            if (l == 0) return sb.toString();
            if ((l & POINTER_MASK) == POINTER_MASK) {
                if (p + 1 >= end || ++jumps > 127) return null;
                p = ((l & 0x3F) << 8) | (b[p + 1] & 0xFF);
                continue;
            }
            if (l > MAX_LABEL || p + 1 + l > end) return null;
            total += l + 1;
            if (total > MAX_NAME) return null;
            if (!sb.isEmpty()) sb.append('.');
            for (int i = 1; i <= l; i++) sb.append((char) (fold(b[p + i]) & 0xFF));
            p += l + 1;
        }
    }

    /** Wire form (uncompressed) of a text name; the root is {@code ""}. */
    public static byte[] encode(String name) {
        if (name.isEmpty()) return new byte[] {0};
        byte[] out = new byte[name.length() + 2];
        int o = 0;
        for (String label : name.split("\\.")) {
            if (label.isEmpty() || label.length() > MAX_LABEL) throw new IllegalArgumentException("bad label in " + name);
            out[o++] = (byte) label.length();
            for (int i = 0; i < label.length(); i++) out[o++] = (byte) label.charAt(i);
        }
        out[o++] = 0;
        if (o > MAX_NAME) throw new IllegalArgumentException("name longer than 255 octets: " + name);
        return Arrays.copyOf(out, o);
    }
}
