package dev.netext.wireguard.uapi;

import dev.netext.linux.sys.UnixSocketFile;
import dev.netext.wireguard.tunnel.WgInterface;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Serves the userspace API of one interface on {@code /var/run/wireguard/NAME.sock}, where {@code wg} looks for
 * userspace implementations: {@code wg show NAME} and {@code wg set NAME …} then work on a netext tunnel as on
 * wireguard-go. One connection may carry several operations; each connection is served on a virtual thread.
 *
 * <p>The socket file is this server's: created at start (a stale one, whose owner no longer answers, is replaced;
 * a live one is never taken over) and deleted at {@link #close}. Callers record the path in their state ledger so a
 * crash does not leave it behind.
 */
public final class UapiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UapiServer.class);
    public static final Path DEFAULT_DIR = Path.of("/var/run/wireguard");
    /** As wg requires of interface names it looks up. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_=+.-]{1,15}");
    static final int MAX_LINE = 4096;
    static final int MAX_LINES = 1 << 16;

    private final Path path;
    private final ServerSocketChannel server;
    private final UapiProtocol protocol;
    private volatile boolean closed;

    private UapiServer(Path path, ServerSocketChannel server, UapiProtocol protocol) {
        this.path = path;
        this.server = server;
        this.protocol = protocol;
    }

    /** The socket path for interface {@code name} in {@code dir}. */
    public static Path socketPath(Path dir, String name) {
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("'" + name + "' is not a valid WireGuard interface name");
        return dir.resolve(name + ".sock");
    }

    /** Binds {@code path} (see the class comment about existing files). Call {@link #routineAccept} to serve. */
    public static UapiServer bind(Path path, WgInterface wg) throws IOException {
        ServerSocketChannel server = UnixSocketFile.bind(path,
                path + " is in use by another WireGuard implementation; choose another interface name");
        return new UapiServer(path, server, new UapiProtocol(wg));
    }

    /** Whether something listens on the socket at {@code path}. */
    public static boolean answers(Path path) { return UnixSocketFile.answers(path); }

    /** Deletes {@code path} if it is a socket nobody answers on: the undo of a crashed instance's ledger entry. */
    public static void deleteIfStale(Path path) throws IOException {
        if (Files.exists(path) && !answers(path)) Files.deleteIfExists(path);
    }

    public Path path() { return path; }

    /** Accepts connections until {@link #close}. */
    public void routineAccept() throws IOException {
        UnixSocketFile.acceptUntilClosed(server, () -> closed,
                c -> Thread.ofVirtual().name("uapi-" + path.getFileName()).start(() -> serve(c)), e -> { throw e; });
    }

    private void serve(SocketChannel c) {
        try (c; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8), 8192);
             OutputStream out = Channels.newOutputStream(c)) {
            String op;
            while ((op = readLine(in)) != null) {
                List<String> lines = new ArrayList<>();
                String l;
                while ((l = readLine(in)) != null && !l.isEmpty()) {
                    if (lines.size() >= MAX_LINES) throw new IOException("request too long");
                    lines.add(l);
                }
                String reply = handle(op, lines);
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (l == null) return;
            }
        } catch (IOException e) {
            LOG.debug("UAPI connection: {}", e.toString());
        }
    }

    /** One operation: {@code get=1} or {@code set=1} and its lines; the reply ends with errno and an empty line. */
    String handle(String op, List<String> lines) {
        switch (op) {
            case "get=1" -> {
                if (!lines.isEmpty()) return "errno=" + UapiException.EPROTO + "\n\n";
                return protocol.get() + "errno=0\n\n";
            }
            case "set=1" -> {
                try {
                    protocol.set(lines);
                    return "errno=0\n\n";
                } catch (UapiException e) {
                    LOG.info("UAPI set refused: {}", e.getMessage());
                    return "errno=" + e.errno() + "\n\n";
                }
            }
            default -> {
                return "errno=" + UapiException.EPROTO + "\n\n";
            }
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        return UnixSocketFile.readLine(in, MAX_LINE, "line too long");
    }

    /** Stops serving and deletes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing UAPI socket: {}", e.toString());
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", path, e.toString());
        }
    }
}
