package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.UdpFlow;
import dev.netext.api.proxy.ProxiedTcpFlow;
import dev.netext.api.proxy.ProxiedUdpFlow;
import dev.netext.api.proxy.TcpConnection;
import dev.netext.api.proxy.UdpSession;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How the engine reaches a proxy provider this process hosts ({@link ProxyServer.Hosted}): a loopback listener, one
 * claim token per claimed TCP flow, a loopback UDP socket per claimed UDP flow, and the event loop the provider's own
 * upstream connections are made on.
 *
 * <pre>
 *  claimTcp(flow) ─▶ a random 128-bit token recorded for the flow (forgotten after CLAIM_TTL)
 *  engine dials the listener (bypass mark) and sends the token ({@link HostedHandshake})
 *  accept (a virtual thread per connection): token → flow → one ACCEPTED byte → Carrier.carry(the connection as the
 *     flow, blocking) — or a reset when there is no such claim or nobody carries flows now
 *  claimUdp(flow) ─▶ a loopback socket the engine relays the flow's datagrams to; it ends after the idle timeout
 * </pre>
 * The provider never touches an intercepted socket: the engine relays (or splices) to these sockets as to any proxy
 * server. Open it on a thread inside the network namespace the engine serves.
 */
public final class HostedProxyTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostedProxyTransport.class);
    /** A claim the engine has not handed over within this time is forgotten (its dial failed). */
    private static final long CLAIM_TTL_NANOS = Duration.ofSeconds(60).toNanos();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int HANDOVER_TIMEOUT_MILLIS = 5000;

    /** Who carries the claimed TCP flows: the host of the provider. */
    public interface Carrier {
        /** False while no provider instance serves: the connection is then reset. */
        boolean serving();

        /** Takes a handed-over flow (returns at once: the flow runs on the carrier's threads). */
        void carry(ProxiedTcpFlow flow);
    }

    private record Claim(byte[] token, TcpFlow flow, long atNanos) {}

    private final String name;
    private final Duration udpIdleTimeout;
    private final Carrier carrier;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Long, Claim> claims = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, LoopbackUdpFlow> udpClaims = new ConcurrentHashMap<>();
    private final ServerSocketChannel listener;
    private final ProxyServer.Hosted server;
    private final EventLoopGroup io;

    private HostedProxyTransport(String name, Duration udpIdleTimeout, Carrier carrier) throws IOException {
        this.name = name;
        this.udpIdleTimeout = udpIdleTimeout;
        this.carrier = carrier;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.server = new ProxyServer.Hosted(Endpoint.of((InetSocketAddress) listener.getLocalAddress()), id -> {
            Claim c = claims.get(id);
            return c == null ? null : c.token();
        }, id -> {
            LoopbackUdpFlow f = udpClaims.get(id);
            return f == null ? null : f.address();
        });
        this.io = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            io.submit(() -> { }).sync(); // its thread starts here, in the caller's network namespace
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted starting the proxy host", e);
        }
    }

    /**
     * Binds the loopback listener and starts accepting.
     *
     * @param name           the proxy's name, for threads and logs
     * @param udpIdleTimeout how long a claimed UDP flow may stay silent: the engine's own UDP idle timeout
     */
    public static HostedProxyTransport open(String name, Duration udpIdleTimeout, Carrier carrier) throws IOException {
        HostedProxyTransport t = new HostedProxyTransport(name, udpIdleTimeout, carrier);
        Thread.ofVirtual().name("netext-proxy-accept-" + name).start(t::acceptLoop);
        return t;
    }

    /** The server the engine's proxy walk dials for this provider. */
    public ProxyServer.Hosted server() { return server; }

    /** Records a claimed TCP flow; the engine's connection carrying its token becomes the flow. */
    public void claimTcp(TcpFlow flow) {
        long now = System.nanoTime();
        claims.values().removeIf(c -> now - c.atNanos() > CLAIM_TTL_NANOS);
        byte[] token = new byte[HostedHandshake.TOKEN_BYTES];
        random.nextBytes(token);
        claims.put(flow.id(), new Claim(token, flow, now));
    }

    /** Opens the loopback socket of a claimed UDP flow; closing the returned flow forgets it. */
    public ProxiedUdpFlow claimUdp(UdpFlow flow) throws IOException {
        LoopbackUdpFlow[] self = new LoopbackUdpFlow[1];
        LoopbackUdpFlow f = LoopbackUdpFlow.open(flow, udpIdleTimeout, () -> udpClaims.remove(flow.id(), self[0]));
        self[0] = f;
        udpClaims.put(flow.id(), f);
        return f;
    }

    /** A TCP connection for the provider, with {@code mark}, made on this host's event loop (the engine's namespace). */
    public TcpConnection openTcp(String host, int port, int mark) throws IOException {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
        return MarkedTcpConnection.connect(io.next(), new InetSocketAddress(InetAddress.getByName(host), port), mark, CONNECT_TIMEOUT);
    }

    /** A UDP session for the provider, with {@code mark}, made on this host's event loop. */
    public UdpSession openUdp(String host, int port, int mark) throws IOException {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
        return MarkedUdpSession.open(io.next(), new InetSocketAddress(InetAddress.getByName(host), port), mark);
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                if (listener.isOpen()) LOG.warn("proxy {}: accept failed: {}", name, e.toString());
                return;
            }
            Thread.ofVirtual().name("netext-proxy-handover-" + name).start(() -> handOver(ch));
        }
    }

    /** Matches the engine's token to a claim and gives the connection to the carrier as that flow. */
    private void handOver(SocketChannel ch) {
        Claim claim = null;
        try {
            ch.socket().setSoTimeout(HANDOVER_TIMEOUT_MILLIS);
            InputStream in = ch.socket().getInputStream();
            byte[] token = in.readNBytes(HostedHandshake.TOKEN_BYTES);
            ch.socket().setSoTimeout(0);
            for (var e : claims.entrySet())
                if (token.length == HostedHandshake.TOKEN_BYTES && MessageDigest.isEqual(e.getValue().token(), token)
                        && claims.remove(e.getKey(), e.getValue())) {
                    claim = e.getValue();
                    break;
                }
        } catch (IOException e) {
            LOG.debug("proxy {}: hand-over failed: {}", name, e.toString());
        }
        if (claim == null || !carrier.serving()) {
            LoopbackTcpFlow.abort(ch); // no such claim, or the provider went down meanwhile: the engine resets the client
            return;
        }
        LoopbackTcpFlow flow = new LoopbackTcpFlow(ch, claim.flow());
        try {
            ch.write(ByteBuffer.wrap(new byte[]{HostedHandshake.ACCEPTED}));
        } catch (IOException e) {
            flow.abort();
            return;
        }
        carrier.carry(flow);
    }

    /** Closes the listener, forgets every claim, closes the UDP flows' sockets and the event loop. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("proxy {}: listener close: {}", name, e.toString());
        }
        claims.clear();
        udpClaims.values().forEach(LoopbackUdpFlow::close);
        udpClaims.clear();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
