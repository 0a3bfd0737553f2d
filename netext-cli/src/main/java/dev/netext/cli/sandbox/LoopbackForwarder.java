package dev.netext.cli.sandbox;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Makes a loopback port of a sandbox namespace reachable from this host's loopback, so a browser on the host can open
 * the dashboard of the daemon inside the sandbox. Listens on the host's 127.0.0.1 with a port the kernel picks, and
 * the daemon is given the same port number in its own namespace: the page's {@code Host} header is then the one
 * the dashboard expects ({@code 127.0.0.1:PORT}). Each connection gets a socket opened inside the namespace and
 * two copying threads; closing stops accepting and ends every connection.
 */
final class LoopbackForwarder implements AutoCloseable {
    private final ServerSocket listener;
    private final NetworkNamespace target;

    private LoopbackForwarder(ServerSocket listener, NetworkNamespace target) {
        this.listener = listener;
        this.target = target;
    }

    /** Binds 127.0.0.1:0 on the host; {@link #port()} is the port to give the daemon in {@code target}. */
    static LoopbackForwarder open(NetworkNamespace target) throws IOException {
        ServerSocket s = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        LoopbackForwarder f = new LoopbackForwarder(s, target);
        Thread.ofPlatform().daemon().name("sandbox-forwarder").start(f::acceptLoop);
        return f;
    }

    int port() { return listener.getLocalPort(); }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().start(() -> forward(client));
        }
    }

    private void forward(Socket client) {
        try (client; Socket inside = target.runInside(() -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 3_000);
            return s;
        })) {
            Thread back = Thread.ofVirtual().start(() -> copy(inside, client));
            copy(client, inside);
            back.join();
        } catch (Exception e) {
            // the browser or the daemon went away
        }
    }

    /** Copies until {@code from} ends, then half-closes {@code to} (closing a socket's stream would close both ways). */
    private static void copy(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] b = new byte[16 * 1024];
            int n;
            while ((n = in.read(b)) >= 0) {
                out.write(b, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    @Override
    public void close() throws IOException { listener.close(); }
}
