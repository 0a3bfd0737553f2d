package dev.netext.flow.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of an HTTP CONNECT tunnel (RFC 9110 §9.3.6): {@code CONNECT host:port HTTP/1.1}, then the proxy's
 * response head. Any 2xx status opens the tunnel; bytes after the head's empty line are the application's.
 */
public final class HttpConnectHandshake implements UpstreamHandshake {
    private final String authority;
    private boolean done;

    /** {@code authority}: {@code host:port}, {@code 192.0.2.1:443} or {@code [2001:db8::1]:443}. */
    public HttpConnectHandshake(String authority) {
        if (authority == null || authority.isBlank() || !authority.chars().allMatch(c -> c > 0x20 && c < 0x7F))
            throw new IllegalArgumentException("bad CONNECT authority '" + authority + "'");
        this.authority = authority;
    }

    @Override
    public byte[] start() {
        return ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Step receive(ByteBuffer in) throws IOException {
        if (done) throw new IllegalStateException("handshake already finished");
        int end = headEnd(in);
        if (end < 0) {
            if (in.remaining() > MAX_PENDING) throw new IOException("HTTP proxy response head longer than " + MAX_PENDING + " bytes");
            return Step.MORE;
        }
        int lineEnd = in.position();
        while (in.get(lineEnd) != '\r') lineEnd++;
        byte[] line = new byte[lineEnd - in.position()];
        in.get(in.position(), line);
        int status = statusCode(new String(line, StandardCharsets.ISO_8859_1));
        if (status / 100 != 2) throw new IOException("HTTP proxy refused CONNECT " + authority + ": " + 
                new String(line, StandardCharsets.ISO_8859_1).strip());
        in.position(end);
        done = true;
        return Step.DONE;
    }

    /** The index just after the head's CRLF CRLF, or -1. */
    private static int headEnd(ByteBuffer in) {
        for (int i = in.position(); i + 3 < in.limit(); i++)
            if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') return i + 4;
        return -1;
    }

    /** {@code HTTP/1.1 200 Connection established} → 200. */
    static int statusCode(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3
                || !parts[1].chars().allMatch(Character::isDigit))
            throw new IOException("not an HTTP response from the proxy: '" + printable(statusLine) + "'");
        return Integer.parseInt(parts[1]);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.substring(0, Math.min(s.length(), 80)).toCharArray()) sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        return sb.toString();
    }
}
