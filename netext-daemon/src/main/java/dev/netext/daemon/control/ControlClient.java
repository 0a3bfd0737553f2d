package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.function.Predicate;

/**
 * The CLI's side of the control socket: sends one request, reads reply lines. A daemon that is not running, or a
 * socket the user may not open, is a {@link DaemonUnavailableException} with a sentence saying what to do.
 */
public final class ControlClient implements AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/run/netext/control.sock");

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    public static ControlClient connect(Path socket) throws DaemonUnavailableException {
        if (!Files.exists(socket)) throw new DaemonUnavailableException("the netext daemon is not running (no control socket at "
                + socket + "); start it with 'systemctl start netext' or 'netext daemon'");
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(ch);
        } catch (IOException e) {
            closeQuietly(ch);
            String m = String.valueOf(e.getMessage());
            if (e instanceof AccessDeniedException || m.contains("Permission denied")) throw denied(socket);
            if (e instanceof SocketException && m.contains("Connection refused"))
                throw new DaemonUnavailableException("the netext daemon is not running (" + socket
                        + " is left from one that stopped); start it with 'systemctl start netext' or 'netext daemon'");
            throw new DaemonUnavailableException("cannot reach the netext daemon at " + socket + ": " + m);
        }
    }

    /**
     * Why the kernel refused the socket, from its file: a file of group G mode 0660 is for root and G's members (whose
     * process may lack G until they log in again); a file of root's own group is for root only.
     */
    private static ControlDeniedException denied(Path socket) {
        String group = null;
        try {
            PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
            if (a.permissions().contains(PosixFilePermission.GROUP_WRITE) && !a.group().getName().equals("root"))
                group = a.group().getName();
        } catch (IOException | UnsupportedOperationException e) {
            // a directory on the way is closed to us: as for root only
        }
        if (group == null)
            return new ControlDeniedException("permission denied: " + socket + " is for root only (try sudo)");
        return new ControlDeniedException("permission denied: " + socket + " is for root and members of group " + group
                + " (try sudo, or: sudo usermod -aG " + group + " " + System.getProperty("user.name")
                + ", then log in again); members may run " + ControlAccess.memberCommandList());
    }

    public void send(JsonNode request) throws IOException {
        out.write((Json.MAPPER.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next reply line, parsed; null at end of stream. */
    public JsonNode read() throws IOException {
        String line = in.readLine();
        return line == null ? null : Json.MAPPER.readTree(line);
    }

    /** The next raw reply line; null at end of stream. */
    public String readLine() throws IOException {
        return in.readLine();
    }

    /** One request, one reply; a reply with {@code "ok":false} is thrown as a {@link ControlException}. */
    public JsonNode call(JsonNode request) throws IOException, ControlException {
        send(request);
        JsonNode reply = read();
        if (reply == null) throw new IOException("the daemon closed the connection without answering");
        if (!reply.path("ok").asBoolean(false)) throw new ControlException(reply.path("error").asText("request failed"), reply);
        return reply;
    }

    /** Reads reply lines until the stream ends or {@code line} returns false. */
    public void stream(Predicate<String> line) throws IOException {
        String l;
        while ((l = in.readLine()) != null) if (!line.test(l)) return;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    public static ObjectMapper mapper() { return Json.MAPPER; }

    /** Made on first use: every CLI command holds a control option, most never talk to the daemon (start-up). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
