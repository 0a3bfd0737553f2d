package dev.netext.wire.peek;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the method, the HTTP/1.x version and the target host of the first request on a cleartext connection: the
 * request line and header section of RFC 9112 §2–§5, up to the empty line that ends them.
 *
 * <p>The host is the request target's authority when the target is in absolute form ({@code GET http://h/ …}, which
 * RFC 9112 §3.2.2 says takes precedence over {@code Host}) or authority form ({@code CONNECT h:443 …}); otherwise the
 * {@code Host} header, matched without regard to case. The rules a server must enforce are enforced, since a
 * filter deciding on a name must see the name the server will see: a line folded with leading whitespace
 * (obs-fold, RFC 9112 §5.2), whitespace between a field name and its colon (§5.1), two {@code Host} fields or an
 * HTTP/1.1 request without one (§3.2), userinfo in the target (RFC 9110 §4.2.4) and bare CR are
 * {@link PeekStatus#MALFORMED}. A bare LF ends a line (RFC 9112 §2.2 lets a recipient accept it). Bytes after the
 * header section (a body, a pipelined request) are not read.
 *
 * <p>Until the request line shows {@code HTTP/1.x}, anything unexpected is {@link PeekStatus#NOT_THIS_PROTOCOL}
 * (this includes HTTP/0.9 and the HTTP/2 preface); afterwards it is {@link PeekStatus#MALFORMED}. No allocation per
 * peek; results are copied out of the caller's buffer. Not thread-safe.
 */
public final class HttpRequestPeeker {
    /** A longer request head is refused, as servers do (nginx's default large header buffer is 8 KiB). */
    public static final int MAX_HEAD_LEN = 16 * 1024;
    /** The longest method accepted: registered methods are at most 17 characters ({@code VERSION-CONTROL}). */
    public static final int MAX_METHOD_LEN = 24;
    private static final int MAX_HOST_LEN = 253;
    private static final byte[] HTTP_1_DOT = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    private int needed;
    private String problem;
    private final byte[] method = new byte[MAX_METHOD_LEN];
    private int methodLength;
    private int minorVersion;
    private final byte[] host = new byte[MAX_HOST_LEN + 1];
    private int hostLength;
    private int port;
    private boolean hostIsIpLiteral;
    private boolean hostFromTarget;
    private int hostFields;
    private int headLength;

    private void reset() {
        needed = 0;
        problem = null;
        methodLength = 0;
        minorVersion = -1;
        hostLength = 0;
        port = -1;
        hostIsIpLiteral = false;
        hostFromTarget = false;
        hostFields = 0;
        headLength = 0;
    }

    /** Peeks at {@code len} bytes at absolute index {@code off}: the start of the client's byte stream. */
    public PeekStatus peek(ByteBuffer b, int off, int len) {
        reset();
        if (!TlsClientHelloPeeker.inBuffer(b, off, len)) return malformed("window outside the buffer");
        int end = off + Math.min(len, MAX_HEAD_LEN);
        boolean truncated = len >= MAX_HEAD_LEN;

        // request-line = method SP request-target SP HTTP-version CRLF   (RFC 9112 §3)
        int p = off;
        while (p < end && p - off <= MAX_METHOD_LEN && isTchar(b.get(p) & 0xFF)) p++;
        if (p - off > MAX_METHOD_LEN) return PeekStatus.NOT_THIS_PROTOCOL;
        if (p == end) return incomplete(truncated);
        if (p == off || b.get(p) != ' ') return PeekStatus.NOT_THIS_PROTOCOL;
        methodLength = p - off;
        b.get(off, method, 0, methodLength);
        int targetStart = ++p;
        while (p < end && isVisible(b.get(p) & 0xFF)) p++;
        if (p == end) return incomplete(truncated);
        if (p == targetStart || b.get(p) != ' ') return PeekStatus.NOT_THIS_PROTOCOL;
        int targetEnd = p++;
        for (int i = 0; i < HTTP_1_DOT.length + 1; i++, p++) {
            if (p == end) return incomplete(truncated);
            int c = b.get(p) & 0xFF;
            if (i < HTTP_1_DOT.length ? c != HTTP_1_DOT[i] : c < '0' || c > '9') return PeekStatus.NOT_THIS_PROTOCOL;
        }
        minorVersion = b.get(p - 1) - '0';
        int lineEnd = lineEnd(b, p, end);
        if (lineEnd == NEED) return incomplete(truncated);
        if (lineEnd == BAD) return PeekStatus.NOT_THIS_PROTOCOL;
        p = lineEnd;
        // From here on the bytes are HTTP/1.x: a broken rule is MALFORMED.

        String bad = requestTarget(b, targetStart, targetEnd);
        if (bad != null) return malformed(bad);

        // field-line = field-name ":" OWS field-value OWS   (RFC 9112 §5)
        while (true) {
            if (p == end) return incomplete(truncated);
            int c = b.get(p) & 0xFF;
            if (c == '\r' || c == '\n') {
                int e = lineEnd(b, p, end);
                if (e == NEED) return incomplete(truncated);
                if (e == BAD) return malformed("bare CR in the header section");
                p = e;
                break;
            }
            if (c == ' ' || c == '\t') return malformed("line folding (obs-fold) or whitespace before a field name");
            int nameStart = p;
            while (p < end && isTchar(b.get(p) & 0xFF)) p++;
            if (p == end) return incomplete(truncated);
            if (b.get(p) != ':') return malformed("field name with a character other than a token character");
            if (p == nameStart) return malformed("empty field name");
            boolean isHost = p - nameStart == 4 && equalsIgnoreCase(b, nameStart, "host");
            p++;
            while (p < end && (b.get(p) == ' ' || b.get(p) == '\t')) p++;
            int valueStart = p;
            while (p < end && isFieldChar(b.get(p) & 0xFF)) p++;
            if (p == end) return incomplete(truncated);
            int valueEnd = p;
            while (valueEnd > valueStart && (b.get(valueEnd - 1) == ' ' || b.get(valueEnd - 1) == '\t')) valueEnd--;
            int e = lineEnd(b, p, end);
            if (e == NEED) return incomplete(truncated);
            if (e == BAD) return malformed("control character or bare CR in a field value");
            p = e;
            if (isHost) {
                if (++hostFields > 1) return malformed("more than one Host field");
                if (!hostFromTarget && valueEnd > valueStart) {
                    bad = authority(b, valueStart, valueEnd, false);
                    if (bad != null) return malformed(bad);
                }
            }
        }
        if (minorVersion >= 1 && hostFields == 0) return malformed("HTTP/1.1 request without Host");
        headLength = p - off;
        return PeekStatus.COMPLETE;
    }

    private static final int NEED = -1, BAD = -2;

    /** The index after the CRLF or LF at {@code p}; {@link #NEED} if cut off; {@link #BAD} for anything else. */
    private static int lineEnd(ByteBuffer b, int p, int end) {
        if (p == end) return NEED;
        int c = b.get(p);
        if (c == '\n') return p + 1;
        if (c != '\r') return BAD;
        if (p + 1 == end) return NEED;
        return b.get(p + 1) == '\n' ? p + 2 : BAD;
    }

    /**
     * RFC 9112 §3.2: origin-form ({@code /path}), absolute-form ({@code scheme://authority/path}), authority-form
     * ({@code host:port}, CONNECT only) or asterisk-form ({@code *}).
     */
    private String requestTarget(ByteBuffer b, int s, int e) {
        int first = b.get(s) & 0xFF;
        boolean connect = methodLength == 7 && equalsIgnoreCaseMethod("CONNECT");
        if (connect) {
            String bad = authority(b, s, e, true);
            if (bad != null) return bad;
            if (port < 0) return "CONNECT target without a port";
            hostFromTarget = true;
            return null;
        }
        if (first == '/' || (first == '*' && e - s == 1)) return null;
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )   (RFC 3986 §3.1)
        int p = s;
        if (!isAlpha(first)) return "request target is not in origin, absolute, authority or asterisk form";
        while (p < e && (isAlpha(b.get(p) & 0xFF) || isDigit(b.get(p) & 0xFF) || b.get(p) == '+' || b.get(p) == '-'
                || b.get(p) == '.')) p++;
        if (e - p < 3 || b.get(p) != ':' || b.get(p + 1) != '/' || b.get(p + 2) != '/')
            return "request target is not in origin, absolute, authority or asterisk form";
        int authorityStart = p + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < e && b.get(authorityEnd) != '/' && b.get(authorityEnd) != '?' && b.get(authorityEnd) != '#')
            authorityEnd++;
        if (authorityEnd == authorityStart) return "absolute-form target without a host";
        String bad = authority(b, authorityStart, authorityEnd, true);
        if (bad != null) return bad;
        hostFromTarget = true;
        return null;
    }

    /** {@code host [":" port]} with host a DNS name, an IPv4 address or a bracketed IPv6 address (RFC 3986 §3.2). */
    private String authority(ByteBuffer b, int s, int e, boolean inTarget) {
        int hostEnd;
        int p;
        if (b.get(s) == '[') {
            p = s + 1;
            while (p < e && b.get(p) != ']') {
                int c = b.get(p) & 0xFF;
                if (!(isHex(c) || c == ':' || c == '.')) return "IPv6 literal with a character other than hex digits, ':' and '.'";
                p++;
            }
            if (p == e || p == s + 1) return "unterminated or empty IPv6 literal";
            if (p - s - 1 > MAX_HOST_LEN) return "host longer than 253 characters";
            hostLength = p - s - 1;
            b.get(s + 1, host, 0, hostLength);
            hostIsIpLiteral = true;
            hostEnd = p + 1;
        } else {
            p = s;
            int label = 0;
            boolean digitsAndDots = true;
            while (p < e && b.get(p) != ':') {
                int c = b.get(p) & 0xFF;
                if (c == '@') return inTarget ? "userinfo in the request target" : "'@' in Host";
                if (c == '.') {
                    if (label == 0) return "empty label in host";
                    label = 0;
                } else if (isAlpha(c) || isDigit(c) || c == '-' || c == '_') {
                    if (++label > 63) return "host label longer than 63 characters";
                    digitsAndDots &= isDigit(c);
                } else {
                    return "host with a character other than letters, digits, '-', '_' and '.'";
                }
                p++;
            }
            int n = p - s;
            if (n > 0 && b.get(p - 1) == '.') n--; // an absolute name's trailing dot
            if (n == 0) return "empty host";
            if (n > MAX_HOST_LEN) return "host longer than 253 characters";
            hostLength = n;
            b.get(s, host, 0, n);
            hostIsIpLiteral = digitsAndDots;
            hostEnd = p;
        }
        port = -1;
        if (hostEnd == e) return null;
        if (b.get(hostEnd) != ':') return "junk after the host";
        int value = 0;
        int digits = 0;
        for (p = hostEnd + 1; p < e; p++) {
            int c = b.get(p) & 0xFF;
            if (c == '@') return inTarget ? "userinfo in the request target" : "'@' in Host";
            if (!isDigit(c) || ++digits > 5) return "port is not a number of at most 5 digits";
            value = value * 10 + (c - '0');
        }
        if (value > 65_535) return "port above 65535";
        if (digits > 0) port = value; // "host:" with an empty port is allowed (RFC 3986 §3.2.3)
        return null;
    }

    // ---------------------------------------------------------------- results

    public int needed() { return needed; }

    public String problem() { return problem; }

    /** The request method as sent, e.g. {@code GET}. */
    public String method() { return new String(method, 0, methodLength, StandardCharsets.US_ASCII); }

    /** The digit after {@code HTTP/1.}: 0 or 1. */
    public int minorVersion() { return minorVersion; }

    public boolean hasHost() { return hostLength > 0; }

    /** The target host without port or brackets, as sent (trailing dot removed), or null. */
    public String host() { return hostLength == 0 ? null : new String(host, 0, hostLength, StandardCharsets.US_ASCII); }

    /** The port given with the host, or -1. */
    public int port() { return port; }

    /** Whether the host is an IPv4 or IPv6 address rather than a name. */
    public boolean hostIsIpLiteral() { return hostIsIpLiteral; }

    /** Whether the host came from an absolute-form or authority-form request target rather than {@code Host}. */
    public boolean hostFromTarget() { return hostFromTarget; }

    /** Bytes from the start of the request line to the end of the empty line. */
    public int headLength() { return headLength; }

    // ---------------------------------------------------------------- helpers

    private PeekStatus incomplete(boolean truncated) {
        if (truncated) return malformed("request head longer than " + MAX_HEAD_LEN + " bytes");
        needed = 1;
        return PeekStatus.NEED_MORE;
    }

    private PeekStatus malformed(String why) {
        problem = why;
        return PeekStatus.MALFORMED;
    }

    private boolean equalsIgnoreCaseMethod(String s) {
        for (int i = 0; i < s.length(); i++) if (method[i] != s.charAt(i)) return false; // methods are case-sensitive
        return true;
    }

    private static boolean equalsIgnoreCase(ByteBuffer b, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) if ((b.get(at + i) | 0x20) != lower.charAt(i)) return false;
        return true;
    }

    /** RFC 9110 §5.6.2: {@code tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA}. */
    static boolean isTchar(int c) {
        if (isAlpha(c) || isDigit(c)) return true;
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    private static boolean isVisible(int c) { return c > 0x20 && c < 0x7F; }

    /** RFC 9110 §5.5: field-vchar, SP and HTAB (obs-text included). */
    private static boolean isFieldChar(int c) { return c == '\t' || c >= 0x20 && c != 0x7F; }

    private static boolean isAlpha(int c) { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'; }

    private static boolean isDigit(int c) { return c >= '0' && c <= '9'; }

    private static boolean isHex(int c) { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'; }
}
