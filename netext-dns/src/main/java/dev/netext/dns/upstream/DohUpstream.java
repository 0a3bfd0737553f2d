package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;
import dev.netext.dns.wire.DnsWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * DNS over HTTPS (RFC 8484) over HTTP/2 to one server: one TLS connection (ALPN {@code h2}, RFC 8484 §5.2), opened on
 * first use and reused; every query is a stream of its own, so many are in flight at once (up to the server's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}). A query is a {@code POST} of the wire message with
 * {@code content-type: application/dns-message} and DNS ID 0 (§4.1: caches see identical requests); the answer must
 * be status 200 of that type, and it is checked against the question like any other upstream's. A server that
 * answers a POST with 405 or 415 is asked with {@code GET ?dns=BASE64URL} (§4.1) from then on.
 *
 * <p>The URL names the server: {@code https://ADDRESS[:PORT]/PATH} (the certificate must be valid for the address)
 * or {@code https://NAME@ADDRESS[:PORT]/PATH} (connect to the address, check the certificate against NAME, send NAME
 * as SNI and {@code :authority}) — as {@code tls://NAME@ADDRESS} does for DoT. A URL with only a host name is refused
 * when the profile is loaded: finding the resolver's address would need a resolver, and under interception that
 * resolver is netext itself.
 */
public final class DohUpstream implements Upstream {
    /** RFC 8484 §6: the media type of a DNS message. */
    static final AsciiString DNS_MESSAGE = AsciiString.cached("application/dns-message");
    static final int HTTPS_PORT = 443;

    private final URI uri;
    private final Endpoint server;
    private final String serverName;
    private final String authority;
    private final String path;
    private final UpstreamIo io;
    private final int idleSeconds;
    private final TlsTrust trust;
    private final ReusedConnection<Connection> connection;
    private volatile boolean useGet; // the server answered a POST with 405 or 415

    public DohUpstream(URI uri, UpstreamIo io, int idleSeconds, TlsTrust trust) {
        String why = unsupportedReason(uri);
        if (why != null) throw new IllegalArgumentException("'" + uri + "': " + why);
        this.uri = uri;
        int port = uri.getPort() < 0 ? HTTPS_PORT : uri.getPort();
        this.server = new Endpoint(IpPrefix.parseAddress(hostLiteral(uri)), port);
        this.serverName = uri.getUserInfo() != null ? uri.getUserInfo() : hostLiteral(uri);
        this.authority = port == HTTPS_PORT ? serverName : serverName + ":" + port;
        this.path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        this.io = io;
        this.connection = new ReusedConnection<>(io, Connection::new, this::describe);
        this.idleSeconds = idleSeconds;
        this.trust = trust;
    }

    /** Why {@code uri} cannot be used as a DoH upstream, or null. */
    static String unsupportedReason(URI uri) {
        if (!"https".equalsIgnoreCase(uri.getScheme())) return "a DNS-over-HTTPS URL starts with https://";
        String host = hostLiteral(uri);
        if (host == null) return "no host in the URL";
        if (!isAddress(host))
            return "give the server's address: https://" + host + "@ADDRESS" + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath()) + " (netext connects to ADDRESS and checks the certificate against "
                    + host + "; a host name alone would need a resolver to find the resolver)";
        if (uri.getUserInfo() != null) {
            try {
                DomainName.normalize(uri.getUserInfo());
            } catch (IllegalArgumentException e) {
                return "'" + uri.getUserInfo() + "' is not a server name";
            }
        }
        return null;
    }

    private static String hostLiteral(URI uri) {
        String h = uri.getHost();
        if (h == null) return null;
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static boolean isAddress(String host) {
        try {
            InetAddress a = IpPrefix.parseAddress(host);
            return a != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override public Endpoint address() { return server; }

    @Override public String describe() { return uri.toString(); }

    @Override
    public CompletableFuture<byte[]> exchange(byte[] query, int length, int questionEnd, long timeoutMillis) {
        return connection.exchange(query, length, questionEnd, timeoutMillis);
    }

    /** Whether a connection is open now (tests check reuse with it). */
    public boolean connected() {
        Connection c = connection.current();
        return c != null && !c.dead && c.connectFuture.channel().isActive();
    }

    @Override
    public void close() { connection.close(); }

    /** One HTTP/2 connection; every field is touched on its event loop only, except {@link #dead}. */
    private final class Connection extends ChannelInboundHandlerAdapter implements ReusedConnection.Connection {
        final ChannelFuture connectFuture;
        final List<Runnable> waiting = new ArrayList<>(); // queries sent before the h2 preface was exchanged
        boolean ready;
        PendingQueries pending; // made on the event loop by the first send; every query's wire ID is 0
        String failure;
        volatile boolean dead;

        Connection(long connectTimeoutMillis) {
            Connection self = this;
            connectFuture = io.connectTcp(server.toSocketAddress(), connectTimeoutMillis, p -> p.addLast(
                    trust.h2Handler(p.channel().alloc(), serverName, server.port()),
                    new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS), self));
            connectFuture.addListener(f -> {
                if (!f.isSuccess()) {
                    dead = true;
                    failure = f.cause() == null ? "cannot connect" : f.cause().getMessage();
                    connectFuture.channel().eventLoop().execute(this::failWaiting);
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent h) {
                if (!h.isSuccess()) {
                    failure = "TLS handshake failed: " + rootMessage(h.cause());
                    dead = true;
                    ctx.close();
                    return;
                }
                String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                if (!ApplicationProtocolNames.HTTP_2.equals(alpn)) {
                    failure = "the server did not agree to HTTP/2 (ALPN " + (alpn == null ? "none" : alpn) + "); RFC 8484 needs h2 here";
                    dead = true;
                    ctx.close();
                    return;
                }
                ctx.pipeline().addBefore(ctx.name(), null, Http2FrameCodecBuilder.forClient().build());
                ctx.pipeline().addBefore(ctx.name(), null, new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                ready = true;
                List<Runnable> w = new ArrayList<>(waiting);
                waiting.clear();
                w.forEach(Runnable::run);
                return;
            }
            if (evt instanceof IdleStateEvent && (pending == null || pending.isEmpty())) {
                dead = true;
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override public Channel channel() { return connectFuture.channel(); }

        @Override public boolean dead() { return dead; }

        @Override
        public boolean send(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result) {
            Channel parent = connectFuture.channel();
            if (ready && (dead || !parent.isActive())) {
                dead = true;
                return false; // it worked, then closed before this query reached it: a new connection takes it
            }
            if (dead) {
                result.completeExceptionally(failed());
                return true;
            }
            if (!ready) {
                waiting.add(() -> { if (!send(q, questionEnd, timeoutMillis, result)) result.completeExceptionally(failed()); });
                return true;
            }
            if (pending == null) pending = new PendingQueries(describe(), io, parent.eventLoop(), 0); // RFC 8484 §4.1
            Channel[] stream = new Channel[1]; // the query's current stream: a timeout closes it
            PendingQueries.Query p = pending.add(q, questionEnd, timeoutMillis, result, () -> {
                if (stream[0] != null) stream[0].close();
            });
            openStream(p, stream, useGet);
            return true;
        }

        /**
         * One stream for one query: POST, or GET with {@code ?dns=BASE64URL} once the server refused a POST. The
         * query's timeout runs across both.
         */
        void openStream(PendingQueries.Query p, Channel[] current, boolean get) {
            Channel parent = connectFuture.channel();
            byte[] q = p.message;
            StreamExchange ex = new StreamExchange(this, p, get);
            new Http2StreamChannelBootstrap(parent).handler(ex).open().addListener(f -> {
                if (!f.isSuccess()) {
                    pending.fail(p, new UpstreamException(UpstreamException.Kind.OVERLOADED,
                            describe() + ": cannot open a stream: " + rootMessage(f.cause())));
                    return;
                }
                Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                current[0] = stream;
                ex.current = current;
                if (p.result.isDone()) { // timed out while the stream was being opened
                    stream.close();
                    return;
                }
                if (get) {
                    String dns = Base64.getUrlEncoder().withoutPadding().encodeToString(q); // §4.1: base64url, no padding
                    Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("https").authority(authority)
                            .path(path + (path.indexOf('?') >= 0 ? "&" : "?") + "dns=" + dns).set("accept", DNS_MESSAGE);
                    stream.writeAndFlush(new DefaultHttp2HeadersFrame(h, true));
                    return;
                }
                Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("https").authority(authority).path(path)
                        .set("content-type", DNS_MESSAGE).set("accept", DNS_MESSAGE).setInt("content-length", q.length);
                stream.write(new DefaultHttp2HeadersFrame(h, false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(q), true));
            });
        }

        private UpstreamException failed() {
            return new UpstreamException(UpstreamException.Kind.CLOSED, describe() + ": " + (failure == null ? "connection closed" : failure));
        }

        private void failWaiting() {
            List<Runnable> w = new ArrayList<>(waiting);
            waiting.clear();
            w.forEach(Runnable::run); // dead now: each fails
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) failure = rootMessage(cause);
            dead = true;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            dead = true;
            failWaiting();
            ctx.fireChannelInactive(); // the multiplexer fails the open streams, whose exchanges then fail
        }
    }

    /** One query on one stream: the response's headers, then its body up to the largest DNS message. */
    private final class StreamExchange extends SimpleChannelInboundHandler<Http2StreamFrame> {
        final Connection connection;
        final PendingQueries.Query query;
        final boolean get;
        Channel[] current; // set once the stream is open: handed on to a GET retry
        boolean handedOver;
        byte[] body = new byte[512];
        int bodyLength;

        StreamExchange(Connection connection, PendingQueries.Query query, boolean get) {
            this.connection = connection;
            this.query = query;
            this.get = get;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (query.result.isDone() || handedOver) return;
            if (frame instanceof Http2HeadersFrame hf) {
                CharSequence status = hf.headers().status();
                if (status == null) return; // trailers
                if (!get && (AsciiString.contentEquals(status, "405") || AsciiString.contentEquals(status, "415"))) {
                    // a server that takes only GET (the other method of §4.1): use GET from now on, ask again
                    useGet = true;
                    handedOver = true;
                    ctx.close();
                    connection.openStream(query, current, true);
                    return;
                }
                if (!AsciiString.contentEquals(status, "200")) {
                    fail(ctx, UpstreamException.Kind.REFUSED, "HTTP status " + status);
                    return;
                }
                CharSequence type = hf.headers().get("content-type");
                if (type == null || !AsciiString.contentEqualsIgnoreCase(type, DNS_MESSAGE)) {
                    fail(ctx, UpstreamException.Kind.MALFORMED, "content-type " + type + ", expected " + DNS_MESSAGE);
                    return;
                }
                if (hf.isEndStream()) fail(ctx, UpstreamException.Kind.MALFORMED, "an empty response");
            } else if (frame instanceof Http2DataFrame df) {
                ByteBuf content = df.content();
                int n = content.readableBytes();
                if (bodyLength + n > DnsWire.MAX_MESSAGE) {
                    fail(ctx, UpstreamException.Kind.MALFORMED, "a response larger than a DNS message");
                    return;
                }
                if (bodyLength + n > body.length) body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + n));
                content.getBytes(content.readerIndex(), body, bodyLength, n);
                bodyLength += n;
                if (df.isEndStream()) finish(ctx);
            }
        }

        private void finish(ChannelHandlerContext ctx) {
            connection.pending.answer(query, Arrays.copyOf(body, bodyLength)); // ID 0 and the question, or MALFORMED
            ctx.close();
        }

        private void fail(ChannelHandlerContext ctx, UpstreamException.Kind kind, String why) {
            connection.pending.fail(query, new UpstreamException(kind, describe() + ": " + why));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (handedOver) return; // the query goes on on a GET stream
            connection.pending.fail(query, new UpstreamException(UpstreamException.Kind.CLOSED, describe() + ": stream closed before the answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, UpstreamException.Kind.CLOSED, rootMessage(cause));
        }
    }

    private static String rootMessage(Throwable t) {
        if (t == null) return "unknown";
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
