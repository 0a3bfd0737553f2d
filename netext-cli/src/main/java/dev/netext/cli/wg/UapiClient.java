package dev.netext.cli.wg;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code get=1} client of the WireGuard userspace API, as {@code wg show} is one. */
public final class UapiClient {
    private UapiClient() {}

    /** Sends {@code get=1} to the socket at {@code path}; returns the key=value lines before {@code errno=0}. */
    public static List<String> get(Path path) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            c.write(ByteBuffer.wrap("get=1\n\n".getBytes(StandardCharsets.US_ASCII)));
            InputStream in = Channels.newInputStream(c);
            StringBuilder line = new StringBuilder();
            List<String> lines = new ArrayList<>();
            int ch;
            while ((ch = in.read()) >= 0) {
                if (ch != '\n') {
                    line.append((char) ch);
                    continue;
                }
                String l = line.toString();
                line.setLength(0);
                if (l.isEmpty()) break;
                if (l.startsWith("errno=")) {
                    if (!l.equals("errno=0")) throw new IOException(path + ": " + l);
                    continue;
                }
                lines.add(l);
            }
            return lines;
        }
    }
}
