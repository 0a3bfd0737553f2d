package dev.netext.daemon.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.x request head (RFC 9112 §2.1: request line, header fields, empty line), read from a socket within a
 * deadline and a size cap, so an idle or endless client costs one connection for a bounded time and memory.
 *
 * @param method  the request method, as sent
 * @param target  the request target (origin form: path and query)
 * @param fields  header fields as {@code name: value} pairs, names lower-cased, in order
 */
public record RequestHead(String method, String target, List<String[]> fields) {

    /** Why no head could be read: the status to answer with (400, 408 or 431), or 0 to close without one. */
    public static final class Refused extends IOException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() { return status; }
    }

    /**
     * Reads a head from {@code socket}: all of it within {@code timeout} (however slowly it trickles in) and at most
     * {@code maxBytes}; bytes after the head are left unread.
     */
    public static RequestHead read(Socket socket, Duration timeout, int maxBytes) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 1024); // bytes after the head are never used
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int lineBytes = 0; // of the current line, CR not counted
        boolean requestLine = false; // empty lines before the request line are skipped (RFC 9112 §2.2)
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) throw new Refused(408, "no complete request head within " + timeout.toMillis() + " ms");
            socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new Refused(408, "no complete request head within " + timeout.toMillis() + " ms");
            }
            if (b < 0) throw new Refused(0, "the client closed before the end of its request head");
            if (head.size() >= maxBytes) throw new Refused(431, "request head longer than " + maxBytes + " bytes");
            head.write(b);
            if (b == '\n') { // a bare LF ends a line too (RFC 9112 §2.2)
                if (lineBytes == 0 && requestLine) break;
                requestLine |= lineBytes > 0;
                lineBytes = 0;
            } else if (b != '\r') {
                lineBytes++;
            }
        }
        return parse(head.toString(StandardCharsets.ISO_8859_1));
    }

    static RequestHead parse(String text) throws Refused {
        String[] lines = text.stripLeading().split("\r?\n");
        String[] request = lines.length == 0 ? new String[0] : lines[0].split(" ", -1);
        if (request.length != 3 || request[0].isEmpty() || !request[1].startsWith("/") || !request[2].startsWith("HTTP/1."))
            throw new Refused(400, "bad request line");
        List<String[]> fields = new ArrayList<>();
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || lines[i].charAt(colon - 1) == ' ' || lines[i].charAt(0) == ' ' || lines[i].charAt(0) == '\t')
                throw new Refused(400, "bad header field"); // no obs-fold, no space before the colon (RFC 9112 §5)
            fields.add(new String[]{lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip()});
        }
        return new RequestHead(request[0], request[1], List.copyOf(fields));
    }

    /** Every value of header field {@code name} (lower case). */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (String[] f : fields) if (f[0].equals(name)) out.add(f[1]);
        return out;
    }

    /** The target's path, without the query. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }
}
