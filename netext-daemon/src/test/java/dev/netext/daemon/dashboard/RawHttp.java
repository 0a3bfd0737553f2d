package dev.netext.daemon.dashboard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 by hand, so tests can send the Host and Origin headers a browser (or an attacker's page) would. */
final class RawHttp {
    private RawHttp() {}

    record Response(int status, String head, String body) {}

    /** Sends {@code request} bytes as they are and reads until the server closes (Connection: close) or 5 s pass. */
    static Response send(InetSocketAddress to, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 2_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            s.shutdownOutput(); // nothing more comes: a request cut short ends here instead of waiting for the timeout
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) >= 0) all.write(b, 0, n);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            int status = head.startsWith("HTTP/1.1 ") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
            return new Response(status, head, split < 0 ? "" : text.substring(split + 4));
        }
    }

    static Response request(InetSocketAddress to, String method, String path, String host, String... headers) throws IOException {
        return withBody(to, method, path, host, "", headers);
    }

    static Response withBody(InetSocketAddress to, String method, String path, String host, String body, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        for (String h : headers) sb.append(h).append("\r\n");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0 || method.equals("POST")) sb.append("Content-Length: ").append(b.length).append("\r\n");
        sb.append("\r\n").append(body);
        return send(to, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
