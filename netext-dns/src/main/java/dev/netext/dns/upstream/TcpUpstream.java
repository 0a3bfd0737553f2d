package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * DNS over TCP to one server (RFC 7766): one connection, opened on first use, reused for every query and pipelined
 * (many queries in flight, answers matched by ID in any order, §6.2.1.1), closed after {@code idleSeconds} without
 * queries — or, with {@code idleSeconds} 0, as soon as no query is in flight (§6.2.3: a client closes an idle
 * connection unless the server said it may stay). A UDP server's TCP for truncated answers is closed that way, as
 * dnsmasq and BIND close theirs: some servers give a TCP connection their whole attention until it closes (dnsmasq
 * with {@code --no-daemon} answers nothing else, not even UDP), and such a server is mostly asked over UDP. When the
 * connection closes, its queries fail and the next query opens a new one.
 *
 * <p>DNS over TLS (RFC 7858) is the same with an {@link SslHandler} in front of the framing (§3.3: the same two-octet
 * length prefix; §3.4: reuse and pipelining as for TCP): {@link #tls} checks the certificate against the configured
 * name. Queries written before the handshake completes wait in the handler; a failed handshake fails them with its
 * reason (an untrusted or mismatched certificate says so).
 */
public final class TcpUpstream implements Upstream {
    /** RFC 7766 §6.2.1: a client should limit queries in flight on one connection. */
    static final int MAX_IN_FLIGHT = 1000;

    private final Endpoint server;
    private final UpstreamIo io;
    private final int idleSeconds;
    private final TlsTrust tls;        // null: plain TCP
    private final String serverName;   // the name checked against the certificate (TLS only)
    private final ReusedConnection<Connection> connection;

    /** @param idleSeconds how long the connection stays open without queries in flight; 0: closed at once */
    public TcpUpstream(Endpoint server, UpstreamIo io, int idleSeconds) {
        this(server, io, idleSeconds, null, null);
    }

    private TcpUpstream(Endpoint server, UpstreamIo io, int idleSeconds, TlsTrust tls, String serverName) {
        this.server = server;
        this.io = io;
        this.connection = new ReusedConnection<>(io, Connection::new, this::describe);
        this.idleSeconds = idleSeconds;
        this.tls = tls;
        this.serverName = serverName;
    }

    /** DNS over TLS to {@code server}, whose certificate must be valid for {@code serverName} under {@code trust}. */
    public static TcpUpstream tls(String serverName, Endpoint server, UpstreamIo io, int idleSeconds, TlsTrust trust) {
        return new TcpUpstream(server, io, idleSeconds, Objects.requireNonNull(trust), serverName);
    }

    @Override public Endpoint address() { return server; }

    @Override public String describe() { return tls == null ? "tcp://" + server : "tls://" + serverName + "@" + server; }

    @Override
    public CompletableFuture<byte[]> exchange(byte[] query, int length, int questionEnd, long timeoutMillis) {
        return connection.exchange(query, length, questionEnd, timeoutMillis);
    }

    /** Whether a connection is open now (tests check reuse with it). */
    public boolean connected() {
        Connection c = connection.current();
        return c != null && c.connectFuture.channel().isActive();
    }

    @Override
    public void close() { connection.close(); }

    private final class Connection extends SimpleChannelInboundHandler<ByteBuf> implements ReusedConnection.Connection {
        final ChannelFuture connectFuture;
        PendingQueries pending; // made on the event loop by the first send
        volatile boolean dead;
        boolean retired; // closed here for want of queries
        String failure; // why the TLS handshake failed, for the queries that were waiting on it

        Connection(long connectTimeoutMillis) {
            Connection self = this;
            connectFuture = io.connectTcp(server.toSocketAddress(), connectTimeoutMillis, p -> {
                if (tls != null) p.addLast(tls.dotHandler(p.channel().alloc(), serverName, server.port()));
                if (idleSeconds > 0) p.addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                p.addLast(new LengthFieldBasedFrameDecoder(DnsWire.MAX_MESSAGE + DnsWire.TCP_LENGTH_PREFIX, 0,
                        DnsWire.TCP_LENGTH_PREFIX, 0, DnsWire.TCP_LENGTH_PREFIX), self);
            });
            connectFuture.addListener(f -> { if (!f.isSuccess()) dead = true; });
        }

        @Override public Channel channel() { return connectFuture.channel(); }

        @Override public boolean dead() { return dead; }

        @Override
        public boolean send(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result) {
            if (!connectFuture.isDone()) {
                connectFuture.addListener(f -> {
                    if (!send(q, questionEnd, timeoutMillis, result)) result.completeExceptionally(closed());
                });
                return true;
            }
            Channel ch = connectFuture.channel();
            if (connectFuture.isSuccess() && (retired || !ch.isActive())) {
                dead = true;
                if (failure == null) return false; // closed before this query reached it: it goes out on a new connection
                result.completeExceptionally(closed());
                return true;
            }
            if (!connectFuture.isSuccess()) {
                dead = true;
                Throwable cause = connectFuture.cause();
                boolean refused = cause != null && String.valueOf(cause.getMessage()).contains("refused");
                result.completeExceptionally(new UpstreamException(refused ? UpstreamException.Kind.REFUSED : UpstreamException.Kind.CLOSED,
                        describe() + ": " + (cause == null ? "connection closed" : cause.getMessage())));
                return true;
            }
            if (pending == null) pending = new PendingQueries(describe(), io, ch.eventLoop(), -1);
            if (pending.size() >= MAX_IN_FLIGHT) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.OVERLOADED, describe() + ": too many queries in flight"));
                return true;
            }
            pending.add(q, questionEnd, timeoutMillis, result, this::closeIfDone);
            ByteBuf out = ch.alloc().ioBuffer(q.length + DnsWire.TCP_LENGTH_PREFIX);
            out.writeShort(q.length).writeBytes(q);
            ch.writeAndFlush(out);
            return true;
        }

        /** After an answer or a timeout: with no idle period, a connection with nothing in flight is closed now. */
        private void closeIfDone() {
            if (idleSeconds == 0 && pending.isEmpty()) retire();
        }

        /** Closes the connection for want of queries; a query already on its way here goes to a new one. */
        private void retire() {
            retired = true;
            dead = true;
            connectFuture.channel().close();
        }

        private UpstreamException closed() {
            return new UpstreamException(UpstreamException.Kind.CLOSED, describe() + ": " + (failure == null ? "connection closed" : failure));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            int len = frame.readableBytes();
            if (len < DnsWire.HEADER_LEN || pending == null) return;
            byte[] msg = new byte[len];
            frame.getBytes(frame.readerIndex(), msg);
            if (pending.answer(msg, len)) closeIfDone(); // one for no query in flight, or another question, is ignored
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent h && !h.isSuccess()) {
                failure = "TLS handshake failed: " + rootMessage(h.cause());
                dead = true;
                ctx.close();
                return;
            }
            if (evt instanceof IdleStateEvent && (pending == null || pending.isEmpty())) retire();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null && tls != null) failure = "TLS: " + rootMessage(cause);
            dead = true;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            dead = true;
            if (pending != null) pending.failAll(closed());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
