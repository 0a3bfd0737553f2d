package dev.netext.linux.sys;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A listening Unix socket whose file this process owns (the daemon's control socket, a WireGuard interface's UAPI
 * socket). Its directory is created (0755) when missing; a stale file, whose owner no longer answers, is replaced, a
 * live one is never taken over. The file is 0600 before anyone can connect: bound, then chmod — with the usual umask
 * it starts without write permission for others, and connecting needs write permission, so the window between the two
 * is closed too. The caller deletes the file when it closes the socket. {@link #acceptUntilClosed} and {@link #readLine}
 * are what both servers do with their connections: accept until closed, read bounded lines.
 */
public final class UnixSocketFile {
    private UnixSocketFile() {}

    /** What is done to the bound file before it is handed over (give it to a group); a failure undoes the binding. */
    @FunctionalInterface
    public interface Setup {
        void apply(Path path) throws IOException;
    }

    /** Binds {@code path}, mode 0600; {@code inUse} is the error when another process answers on it. */
    public static ServerSocketChannel bind(Path path, String inUse) throws IOException {
        return bind(path, inUse, p -> { });
    }

    /** Binds {@code path}, mode 0600, then runs {@code setup}; {@code inUse} is the error when another process answers on it. */
    public static ServerSocketChannel bind(Path path, String inUse, Setup setup) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null)
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        if (Files.exists(path)) {
            if (answers(path)) throw new IOException(inUse);
            Files.deleteIfExists(path); // a dead owner's socket
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        boolean bound = false;
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            bound = true;
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            setup.apply(path);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            if (bound) Files.deleteIfExists(path); // ours; a file another process bound in between is not
            throw e;
        }
    }

    /** Whether something listens on the socket at {@code path}. */
    public static boolean answers(Path path) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return c.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    /** What a failed accept (the server not closed) does: throw to stop accepting, return to accept the next. */
    @FunctionalInterface
    public interface AcceptFailure<E extends Exception> {
        void failed(IOException e) throws E;
    }

    /**
     * Accepts connections on {@code server} until it is closed or {@code closed} says so, handing each to
     * {@code accepted} on this thread (which starts the connection's own). An accept that fails once {@code closed}
     * is true ends the loop; any other failure goes to {@code failure}.
     */
    public static <E extends Exception> void acceptUntilClosed(ServerSocketChannel server, BooleanSupplier closed,
                                                              Consumer<SocketChannel> accepted,
                                                              AcceptFailure<E> failure) throws E {
        while (!closed.getAsBoolean()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (e instanceof ClosedChannelException || closed.getAsBoolean()) return;
                failure.failed(e);
                continue;
            }
            accepted.accept(c);
        }
    }

    /**
     * A line without its {@code \n}, of at most {@code maxChars} characters (a longer one throws {@code tooLong}); at
     * EOF the unterminated rest, or null when there is none.
     */
    public static String readLine(BufferedReader in, int maxChars, String tooLong) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0) {
            if (ch == '\n') return sb.toString();
            if (sb.length() >= maxChars) throw new IOException(tooLong);
            sb.append((char) ch);
        }
        return sb.isEmpty() ? null : sb.toString();
    }
}
