package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.linux.sys.UnixSocketFile;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's control socket: a Unix stream socket ({@code /run/netext/control.sock}), JSON lines both ways —
 * one request per line, answered by one or more lines.
 *
 * <pre>
 *   accept (own thread) → SO_PEERCRED → level (ControlGroup): root or the daemon's user, member of the group, none
 *     → per connection (virtual thread): read a line → op permitted for the level (ControlAccess)?
 *         yes → handler → reply lines → next line … until EOF
 *         no  → one {"ok":false,"error":"permission denied: …","denied":true} line; a non-member's connection ends
 * </pre>
 *
 * The socket file is created mode 0600 (bound, then chmod: with the usual umask the file starts without write
 * permission for others, and connecting needs write permission, so the window between the two is closed too). When
 * the control group exists, the file then goes to {@code root:GROUP} mode 0660, so its members can connect at all;
 * the peer's credentials are still checked for every connection, which holds if the file's mode is ever loosened or
 * the socket is passed on. A stale socket file of a dead daemon is replaced; a live daemon's is not ({@link UnixSocketFile}).
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    /** Requests are small; a longer line is refused rather than buffered. */
    static final int MAX_REQUEST_CHARS = 64 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final ControlHandler handler;
    private final ControlGroup group;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, ControlGroup group, ControlHandler handler) {
        this.path = path;
        this.server = server;
        this.group = group;
        this.handler = handler;
        this.acceptor = Thread.ofPlatform().name("netext-control").daemon(true).unstarted(this::acceptLoop);
    }

    /** A socket for root (and the daemon's own user) only, whatever groups the host has. */
    public static ControlServer start(Path path, ControlHandler handler) throws IOException {
        return start(path, null, handler);
    }

    /**
     * The socket for root and the members of {@code groupName} (which may not exist: then root only); a null name
     * for root only.
     */
    public static ControlServer start(Path path, String groupName, ControlHandler handler) throws IOException {
        ControlGroup group = groupName == null ? null : new ControlGroup(groupName, ControlGroup.ETC_GROUP);
        ServerSocketChannel ch = UnixSocketFile.bind(path, "another netext daemon is listening on " + path,
                p -> { if (group != null) openToGroup(p, groupName); });
        ControlServer s = new ControlServer(path, ch, group, handler);
        s.acceptor.start();
        return s;
    }

    public Path path() { return path; }

    /**
     * {@code root:GROUP} mode 0660 when the group exists, so its members can connect; else the file stays 0600. A
     * daemon without CAP_CHOWN cannot give the file to a group it is not in: it says so and stays root-only.
     */
    private static void openToGroup(Path path, String groupName) throws IOException {
        GroupPrincipal g;
        try {
            g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(groupName);
        } catch (UserPrincipalNotFoundException e) {
            LOG.info("control socket {}: root only (no group {}; 'netext install' creates it)", path, groupName);
            return;
        }
        try {
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(g);
        } catch (IOException e) {
            LOG.warn("control socket {}: cannot give it to group {} ({}); root only", path, groupName, e.toString());
            return;
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
    }

    private void acceptLoop() {
        UnixSocketFile.acceptUntilClosed(server, () -> closed, c -> {
            clients.add(c);
            Thread.ofVirtual().name("netext-control-client").start(() -> serve(c));
        }, e -> LOG.warn("control socket accept failed: {}", e.toString()));
    }

    private void serve(SocketChannel c) {
        try (c) {
            OutputStream raw = Channels.newOutputStream(c);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
            UnixDomainPrincipal peer;
            try {
                peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            } catch (IOException | UnsupportedOperationException e) {
                peer = null;
            }
            ControlAccess.Level level = group != null ? group.level(peer)
                    : peer != null && ControlGroup.isRootOrSelf(peer.user().getName()) ? ControlAccess.Level.FULL : ControlAccess.Level.NONE;
            String user = peer == null ? "unknown" : peer.user().getName();
            Connection conn = new Connection(raw, in, level);
            // a peer that may run nothing is read only for the op its refusal names: it cannot hold the connection
            if (level == ControlAccess.Level.NONE) closeAfter(c, REFUSED_PEER_WAIT_MILLIS);
            while (!closed) {
                String line = readLine(in);
                if (line == null) return;
                if (line.isBlank()) continue;
                JsonNode request;
                try {
                    request = mapper.readTree(line);
                    if (request == null || !request.isObject()) throw new IOException("not a JSON object");
                } catch (IOException e) {
                    request = null;
                }
                if (request == null && level != ControlAccess.Level.NONE) {
                    conn.send(error("bad request: expected one JSON object per line, like {\"op\":\"status\"}"));
                    continue;
                }
                String op = request == null ? "?" : request.path("op").asText("?");
                if (!ControlAccess.permits(level, op)) {
                    LOG.warn("control socket: refused peer {} ({}) op {}", user, level.name().toLowerCase(Locale.ROOT), op);
                    conn.send(denied(group == null ? ControlAccess.refusal(op, level, user, ControlAccess.DEFAULT_GROUP, false)
                            : ControlAccess.refusal(op, level, user, group.name(), group.lookup() != null)));
                    if (level == ControlAccess.Level.MEMBER) continue;
                    refuse(c);
                    return;
                }
                try {
                    handler.handle(request, conn);
                } catch (IOException e) {
                    return; // the client went away mid-reply
                } catch (Exception e) {
                    LOG.warn("control request {} failed", request, e);
                    conn.send(error(e.getMessage() == null ? e.toString() : e.getMessage()));
                }
                if (!conn.isOpen()) return;
            }
        } catch (IOException e) {
            LOG.debug("control client: {}", e.toString());
        } finally {
            clients.remove(c);
        }
    }

    /** How long a peer that may run nothing has to send its request before the connection is closed. */
    static final long REFUSED_PEER_WAIT_MILLIS = 2000;

    private static void closeAfter(SocketChannel c, long millis) {
        Thread.ofVirtual().name("netext-control-refused").start(() -> {
            try {
                Thread.sleep(millis);
                c.close();
            } catch (InterruptedException | IOException ignored) {
                // closed already
            }
        });
    }

    /**
     * Ends a refused connection so the client reads the refusal: closing with its request still unread would reset
     * the connection and could discard the answer. Drains what it sends for at most a second, then closes.
     */
    private static void refuse(SocketChannel c) {
        try {
            c.shutdownOutput();
            Thread closer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1000);
                    c.close();
                } catch (InterruptedException | IOException ignored) {
                    // closed already
                }
            });
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (c.read(sink.clear()) >= 0) {
                // discard
            }
            closer.interrupt();
        } catch (IOException ignored) {
            // closed by the timer or the client
        }
    }

    /** A line of at most {@link #MAX_REQUEST_CHARS}; null at EOF. */
    private static String readLine(BufferedReader in) throws IOException {
        return UnixSocketFile.readLine(in, MAX_REQUEST_CHARS, "request line too long");
    }

    ObjectNode error(String message) {
        ObjectNode o = mapper.createObjectNode();
        o.put("ok", false);
        o.put("error", message);
        return o;
    }

    /** A refusal: {@code "denied":true} lets the CLI exit with its permission-denied code. */
    private ObjectNode denied(String message) {
        return error(message).put(DENIED, true);
    }

    /** The reply field that marks a refusal by the permission check. */
    public static final String DENIED = "denied";

    private final class Connection implements ControlConnection {
        private final OutputStream out;
        private final BufferedReader in;
        private final ControlAccess.Level access;
        private volatile boolean open = true;

        Connection(OutputStream out, BufferedReader in, ControlAccess.Level access) {
            this.out = out;
            this.in = in;
            this.access = access;
        }

        @Override
        public ControlAccess.Level access() { return access; }

        @Override
        public void watchClose(Runnable onClose) {
            Thread.ofVirtual().name("netext-control-watch").start(() -> {
                try {
                    while (in.read() >= 0) {
                        // the client has nothing more to say during a stream; ignore what it sends
                    }
                } catch (IOException ignored) {
                    // closed
                }
                open = false;
                onClose.run();
            });
        }

        @Override
        public void send(JsonNode line) throws IOException {
            sendRaw(mapper.writeValueAsString(line));
        }

        @Override
        public synchronized void sendRaw(String jsonLine) throws IOException {
            try {
                out.write((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                open = false;
                throw e;
            }
        }

        @Override
        public boolean isOpen() { return open && !closed; }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            acceptor.join(2000);
            Files.deleteIfExists(path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", path, e.toString());
        }
    }
}
