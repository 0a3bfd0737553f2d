package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.TestMessages;
import dev.netext.linux.sys.HostPackages;
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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DoT and DoH upstreams against small in-JVM TLS servers on loopback (certificates from a throwaway openssl CA):
 * pipelining and connection reuse, certificate checks, and every way a DoH answer can be wrong failing cleanly.
 */
class EncryptedUpstreamTest {
    @TempDir
    static Path dir;
    static EventLoopGroup group;
    static Path ca, cert, key;

    @BeforeAll
    static void setUp() throws Exception {
        HostPackages.require("openssl"); // makes the test certificates
        ca = dir.resolve("ca.pem");
        cert = dir.resolve("server.pem");
        key = dir.resolve("server.key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "1", "-subj", "/CN=test CA", "-addext", "basicConstraints=critical,CA:TRUE");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
                "-out", "server.csr", "-subj", "/CN=dns.test");
        Files.writeString(dir.resolve("ext"), "subjectAltName=DNS:dns.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                "-days", "1", "-extfile", "ext");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() {
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static byte[] answer(byte[] query) {
        return TestMessages.response(query, 0, false, new byte[][]{TestMessages.rr(1, 60, TestMessages.a(10, 1, 2, 3))}, new byte[0][], -1);
    }

    // ------------------------------------------------------------------ DoT

    /** A DoT server answering every framed query, in reverse order of each read batch (pipelining). */
    private static Channel dotServer() throws Exception {
        SslContext tls = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK).build();
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new LengthFieldBasedFrameDecoder(65537, 0, 2, 0, 2),
                                new SimpleChannelInboundHandler<ByteBuf>() {
                                    final List<byte[]> batch = new ArrayList<>();
                                    @Override protected void channelRead0(ChannelHandlerContext ctx, ByteBuf m) {
                                        byte[] q = new byte[m.readableBytes()];
                                        m.readBytes(q);
                                        batch.add(answer(q));
                                    }
                                    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
                                        for (byte[] a : batch.reversed()) ctx.write(Unpooled.buffer().writeShort(a.length).writeBytes(a));
                                        batch.clear();
                                        ctx.flush();
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @Test
    void dotPipelinesManyQueriesOnOneConnectionAndRestoresIds() throws Exception {
        Channel server = dotServer();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        try (TcpUpstream dot = TcpUpstream.tls("dns.test", Endpoint.parse("127.0.0.1:" + port), new UpstreamIo(group, 0), 10, TlsTrust.of(ca))) {
            List<CompletableFuture<byte[]>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] q = TestMessages.query(1000 + i, "n" + i + ".example", 1);
                all.add(dot.exchange(q, q.length, q.length, 5000));
            }
            for (int i = 0; i < 50; i++) {
                byte[] r = all.get(i).get(10, TimeUnit.SECONDS);
                assertThat(DnsWire.u16(r, DnsWire.ID)).isEqualTo(1000 + i);
            }
            assertThat(dot.connected()).isTrue();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void dotRefusesACertificateForAnotherNameOrFromAnUntrustedCa() throws Exception {
        Channel server = dotServer();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        byte[] q = TestMessages.query(7, "x.example", 1);
        try (TcpUpstream wrongName = TcpUpstream.tls("other.test", Endpoint.parse("127.0.0.1:" + port), new UpstreamIo(group, 0), 10, TlsTrust.of(ca));
             TcpUpstream untrusted = TcpUpstream.tls("dns.test", Endpoint.parse("127.0.0.1:" + port), new UpstreamIo(group, 0), 10, TlsTrust.of(null))) {
            assertThatThrownBy(() -> wrongName.exchange(q, q.length, q.length, 5000).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(UpstreamException.class)
                    .hasMessageContaining("tls://other.test@127.0.0.1:" + port).hasMessageContaining("TLS");
            assertThatThrownBy(() -> untrusted.exchange(q, q.length, q.length, 5000).get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOf(UpstreamException.class).hasMessageContaining("TLS");
        } finally {
            server.close().sync();
        }
    }

    // ------------------------------------------------------------------ DoH

    /** A DoH server whose reply to each POST body is decided by {@code reply}: status, content type, body. */
    record Reply(String status, String type, byte[] body) {}

    private static Channel dohServer(Function<byte[], Reply> reply, List<Channel> connections) throws Exception {
        return dohServer(reply, connections, false);
    }

    /** @param refusePost answer every POST with 405 (a GET-only server) */
    private static Channel dohServer(Function<byte[], Reply> reply, List<Channel> connections, boolean refusePost) throws Exception {
        SslContext tls = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2")).build();
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override protected void initChannel(Http2StreamChannel s) {
                                        s.pipeline().addLast(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                                            final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                                            @Override protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                                                if (f instanceof io.netty.handler.codec.http2.Http2HeadersFrame hf) {
                                                    String method = String.valueOf(hf.headers().method());
                                                    if (method.equals("POST") && refusePost) {
                                                        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("405"), true));
                                                        return;
                                                    }
                                                    if (method.equals("GET")) { // the query is in ?dns=, base64url without padding
                                                        gets.incrementAndGet();
                                                        String p = hf.headers().path().toString();
                                                        byte[] q = java.util.Base64.getUrlDecoder().decode(p.substring(p.indexOf("?dns=") + 5));
                                                        Reply r = reply.apply(q);
                                                        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(r.status()).set("content-type", r.type()), false));
                                                        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(r.body()), true));
                                                    }
                                                    return;
                                                }
                                                if (refusePost) return;
                                                if (!(f instanceof Http2DataFrame d)) return;
                                                byte[] b = new byte[d.content().readableBytes()];
                                                d.content().readBytes(b);
                                                body.writeBytes(b);
                                                if (!d.isEndStream()) return;
                                                Reply r = reply.apply(body.toByteArray());
                                                var h = new DefaultHttp2Headers().status(r.status());
                                                if (r.type() != null) h.set("content-type", r.type());
                                                ctx.write(new DefaultHttp2HeadersFrame(h, r.body() == null));
                                                if (r.body() != null) ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(r.body()), true));
                                                ctx.flush();
                                            }
                                        });
                                    }
                                }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static DohUpstream doh(Channel server) throws Exception {
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        return new DohUpstream(URI.create("https://dns.test@127.0.0.1:" + port + "/dns-query"), new UpstreamIo(group, 0), 10, TlsTrust.of(ca));
    }

    @Test
    void dohSendsIdZeroAndAnswersManyStreamsOverOneConnection() throws Exception {
        List<Channel> connections = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Integer> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Channel server = dohServer(q -> { ids.add(DnsWire.u16(q, DnsWire.ID)); return new Reply("200", "application/dns-message", answer(q)); }, connections);
        try (DohUpstream doh = doh(server)) {
            List<CompletableFuture<byte[]>> all = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] q = TestMessages.query(2000 + i, "n" + i + ".example", 1);
                all.add(doh.exchange(q, q.length, q.length, 5000));
            }
            for (int i = 0; i < 40; i++) assertThat(DnsWire.u16(all.get(i).get(10, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(2000 + i);
            assertThat(connections).hasSize(1);
            assertThat(ids).hasSize(40).containsOnly(0);
            assertThat(doh.connected()).isTrue();
        } finally {
            server.close().sync();
        }
    }

    static final java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();

    @Test
    void aServerThatRefusesPostIsAskedWithGetFromThenOn() throws Exception {
        gets.set(0);
        Channel server = dohServer(q -> new Reply("200", "application/dns-message", answer(q)), new ArrayList<>(), true);
        try (DohUpstream doh = doh(server)) {
            for (int i = 0; i < 3; i++) {
                byte[] q = TestMessages.query(9 + i, "g" + i + ".example", 1);
                assertThat(DnsWire.u16(doh.exchange(q, q.length, q.length, 3000).get(10, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(9 + i);
            }
            assertThat(gets.get()).isEqualTo(3);
        } finally {
            server.close().sync();
        }
    }

    @Test
    void wrongDohAnswersFailCleanlyAndTheConnectionStaysUsable() throws Exception {
        byte[] other = TestMessages.query(0, "other.example", 1);
        Channel server = dohServer(q -> {
            String name = new String(q, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (name.contains("status")) return new Reply("500", "text/plain", "oops".getBytes());
            if (name.contains("type")) return new Reply("200", "text/html", answer(q));
            if (name.contains("mismatch")) return new Reply("200", "application/dns-message", answer(other));
            if (name.contains("short")) return new Reply("200", "application/dns-message", new byte[]{1, 2, 3});
            if (name.contains("empty")) return new Reply("200", "application/dns-message", null);
            if (name.contains("huge")) return new Reply("200", "application/dns-message", new byte[70_000]);
            return new Reply("200", "application/dns-message", answer(q));
        }, new ArrayList<>());
        try (DohUpstream doh = doh(server)) {
            for (String bad : List.of("status", "type", "mismatch", "short", "empty", "huge")) {
                byte[] q = TestMessages.query(5, bad + ".example", 1);
                assertThatThrownBy(() -> doh.exchange(q, q.length, q.length, 3000).get(10, TimeUnit.SECONDS))
                        .as(bad).cause().isInstanceOf(UpstreamException.class).hasMessageContaining("https://dns.test@127.0.0.1");
            }
            byte[] q = TestMessages.query(6, "good.example", 1);
            assertThat(DnsWire.u16(doh.exchange(q, q.length, q.length, 3000).get(10, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(6);
        } finally {
            server.close().sync();
        }
    }
}
