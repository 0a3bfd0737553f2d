package dev.netext.cli.dns;

import dev.netext.linux.netns.NetworkNamespace;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small DNS-over-HTTPS server for tests (no Debian package serves DoH): HTTP/2 over TLS (ALPN h2) on Netty,
 * {@code POST} and {@code GET ?dns=} of {@code application/dns-message} (RFC 8484 §4.1), each request forwarded over
 * UDP to a real resolver (dnsmasq) and its answer returned as is. It runs inside a namespace: its event loop thread is
 * started there, so its sockets live there. Counts connections and requests so tests can see reuse and streams.
 */
public final class DohTestServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel listener;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger nonZeroIds = new AtomicInteger();

    private DohTestServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    public static DohTestServer start(NetworkNamespace ns, InetSocketAddress listen, TestCertificates certs, String path,
                                      InetSocketAddress upstream) throws Exception {
        SslContext tls = SslContextBuilder.forServer(certs.cert().toFile(), certs.key().toFile()).sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        DohTestServer[] self = new DohTestServer[1];
        return ns.runInside(() -> {
            EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            Channel ch = new ServerBootstrap().group(g).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override protected void initChannel(Channel c) {
                            self[0].connections.add(c);
                            c.pipeline().addLast(tls.newHandler(c.alloc()), Http2FrameCodecBuilder.forServer().build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override protected void initChannel(Http2StreamChannel s) {
                                            s.pipeline().addLast(self[0].new Exchange(path, upstream));
                                        }
                                    }));
                        }
                    }).bind(listen).sync().channel();
            self[0] = new DohTestServer(g, ch);
            return self[0];
        });
    }

    /** TCP connections accepted so far. */
    public int connections() { return connections.size(); }

    /** DNS requests answered so far. */
    public int requests() { return requests.get(); }

    /** Requests whose DNS ID was not 0 (RFC 8484 §4.1 asks clients for 0). */
    public int nonZeroIds() { return nonZeroIds.get(); }

    @Override
    public void close() throws Exception {
        listener.close().sync();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private final class Exchange extends SimpleChannelInboundHandler<Http2StreamFrame> {
        final String path;
        final InetSocketAddress upstream;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        Http2Headers request;

        Exchange(String path, InetSocketAddress upstream) {
            this.path = path;
            this.upstream = upstream;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) throws Exception {
            if (frame instanceof Http2HeadersFrame h) {
                request = h.headers();
                if (h.isEndStream()) respond(ctx);
            } else if (frame instanceof Http2DataFrame d) {
                ByteBuf c = d.content();
                byte[] b = new byte[c.readableBytes()];
                c.readBytes(b);
                body.write(b);
                if (d.isEndStream()) respond(ctx);
            }
        }

        private void respond(ChannelHandlerContext ctx) throws Exception {
            String reqPath = String.valueOf(request.path());
            byte[] query;
            if ("POST".contentEquals(request.method()) && reqPath.equals(path)) {
                query = body.toByteArray();
            } else if ("GET".contentEquals(request.method()) && reqPath.startsWith(path + "?dns=")) {
                query = Base64.getUrlDecoder().decode(reqPath.substring(path.length() + 5));
            } else {
                status(ctx, "404");
                return;
            }
            if (query.length < 12) { status(ctx, "400"); return; }
            if (query[0] != 0 || query[1] != 0) nonZeroIds.incrementAndGet();
            byte[] answer;
            // Blocking on the event loop is fine for a test server; the socket is made on the loop's thread, in the namespace.
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(2000);
                s.send(new DatagramPacket(query, query.length, upstream));
                DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
                s.receive(p);
                answer = java.util.Arrays.copyOf(p.getData(), p.getLength());
            } catch (java.io.IOException e) {
                status(ctx, "502");
                return;
            }
            requests.incrementAndGet();
            Http2Headers h = new DefaultHttp2Headers().status("200").set("content-type", "application/dns-message")
                    .setInt("content-length", answer.length);
            ctx.write(new DefaultHttp2HeadersFrame(h, false));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(answer), true));
        }

        private void status(ChannelHandlerContext ctx, String code) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(code), true));
        }
    }
}
