package dev.netext.lab.traffic;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The origin server of flow tests: answers every HTTP/1.1 request with {@code hello HOST from PEER}, where HOST is
 * the request's Host header and PEER the address the connection came from, and remembers every peer. A test can so
 * tell from one response which name reached the server and which path (direct, a proxy, a tunnel, a gateway) carried
 * it. Open it inside {@code NetworkNamespace.runInside} so its socket lives in that namespace.
 */
public final class HelloHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final List<String> peers = new CopyOnWriteArrayList<>();

    private HelloHttpServer(HttpServer server) {
        this.server = server;
    }

    /** Binds {@code address} in the calling thread's network namespace and starts serving. */
    public static HelloHttpServer open(InetSocketAddress address) throws IOException {
        HelloHttpServer s = new HelloHttpServer(HttpServer.create(address, 16));
        s.server.createContext("/", ex -> {
            String peer = ex.getRemoteAddress().getAddress().getHostAddress();
            s.peers.add(peer);
            byte[] body = ("hello " + ex.getRequestHeaders().getFirst("Host") + " from " + peer)
                    .getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.server.start();
        return s;
    }

    /** {@link #open(InetSocketAddress)} on {@code address:port}. */
    public static HelloHttpServer open(String address, int port) throws IOException {
        return open(new InetSocketAddress(address, port));
    }

    /** The peer address of every request so far, in order. */
    public List<String> peers() { return List.copyOf(peers); }

    /** The peer of the latest request; throws when there was none. */
    public String lastPeer() { return peers.getLast(); }

    public int port() { return server.getAddress().getPort(); }

    @Override
    public void close() { server.stop(0); }
}
