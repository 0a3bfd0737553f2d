package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelSplice} between real loopback TCP connections: a plain client connects to a Netty listener, which
 * connects on to a plain server and splices the two. Megabytes both ways at once must arrive intact and counted;
 * a half-close travels on while the other way keeps flowing, also when it came before the splice took over;
 * a reset ends the relay with an error; the flow's held first bytes go out before all else.
 */
class KernelSpliceTest {
    record Ended(long toUpstream, long toClient, Throwable error) {}
    /** What the flow held before the verdict: handed to the splice, it must reach the server first. */
    private static final byte[] FIRST = "first:".getBytes();

    private EventLoopGroup group;
    private ServerSocket server;
    private Channel listener;
    private final CompletableFuture<Ended> ended = new CompletableFuture<>();

    @BeforeEach
    void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        InetSocketAddress serverAddress = (InetSocketAddress) server.getLocalSocketAddress();
        listener = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel client) {
                        client.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            // as the engine does: bytes read before the verdict are held, then handed to the splice
                            private final io.netty.buffer.ByteBuf held = io.netty.buffer.Unpooled.buffer().writeBytes(FIRST);

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
                                held.writeBytes(b);
                                b.release();
                            }

                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                                        .option(ChannelOption.AUTO_READ, false)
                                        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                                        .handler(new ChannelInboundHandlerAdapter())
                                        .connect(serverAddress).addListener(f -> {
                                            if (!f.isSuccess()) {
                                                ended.completeExceptionally(f.cause());
                                                return;
                                            }
                                            KernelSplice.start(client, (EpollSocketChannel) ((io.netty.channel.ChannelFuture) f).channel(),
                                                    held, null, (up, down, error) -> ended.complete(new Ended(up, down, error)));
                                        });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (listener != null) listener.close().sync();
        if (server != null) server.close();
        if (group != null) group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }

    private Socket connect() throws Exception {
        Socket s = new Socket();
        s.connect(listener.localAddress(), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} in uneven chunks, then half-closes. */
    private static CompletableFuture<Void> send(Socket s, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream o = s.getOutputStream();
                Random r = new Random(data.length);
                for (int off = 0; off < data.length; ) {
                    int n = Math.min(data.length - off, 1 + r.nextInt(256 * 1024));
                    o.write(data, off, n);
                    off += n;
                }
                s.shutdownOutput();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    private static CompletableFuture<byte[]> readAll(Socket s) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return MessageDigest.getInstance("SHA-256").digest(s.getInputStream().readAllBytes());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    @Test
    void megabytesBothWaysAtOnceArriveIntactAndCounted() throws Exception {
        byte[] up = random(24 << 20, 1), down = random(17 << 20, 2);
        try (Socket client = connect(); Socket accepted = server.accept()) {
            accepted.setSoTimeout(20_000);
            CompletableFuture<Void> s1 = send(client, up), s2 = send(accepted, down);
            CompletableFuture<byte[]> atServer = readAll(accepted), atClient = readAll(client);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(FIRST);
            assertThat(atServer.get(60, TimeUnit.SECONDS)).isEqualTo(sha.digest(up));
            assertThat(atClient.get(60, TimeUnit.SECONDS)).isEqualTo(sha.digest(down));
            s1.get(10, TimeUnit.SECONDS);
            s2.get(10, TimeUnit.SECONDS);
            Ended e = ended.get(10, TimeUnit.SECONDS);
            assertThat(e.error()).isNull();
            assertThat(e.toUpstream()).isEqualTo(FIRST.length + up.length);
            assertThat(e.toClient()).isEqualTo(down.length);
        }
    }

    @Test
    void aHalfCloseTravelsOnWhileTheAnswerStillFlows() throws Exception {
        try (Socket client = connect(); Socket accepted = server.accept()) {
            accepted.setSoTimeout(20_000);
            OutputStream toServer = client.getOutputStream();
            toServer.write("question".getBytes());
            client.shutdownOutput();
            InputStream atServer = accepted.getInputStream();
            // sent before the splice took over: Netty read it (and the FIN); the splice still delivers it in order
            assertThat(new String(atServer.readAllBytes())).isEqualTo("first:question");
            assertThat(ended).isNotDone();
            byte[] answer = random(3 << 20, 3);
            accepted.getOutputStream().write(answer);
            accepted.shutdownOutput();
            assertThat(client.getInputStream().readAllBytes()).isEqualTo(answer);
            Ended e = ended.get(10, TimeUnit.SECONDS);
            assertThat(e.error()).isNull();
            assertThat(e.toUpstream()).isEqualTo(14);
            assertThat(e.toClient()).isEqualTo(answer.length);
        }
    }

    @Test
    void aResetEndsTheRelayWithAnErrorAndResetsTheOtherSide() throws Exception {
        try (Socket client = connect(); Socket accepted = server.accept()) {
            client.getOutputStream().write("hello".getBytes());
            assertThat(accepted.getInputStream().readNBytes(11)).isEqualTo("first:hello".getBytes());
            accepted.setSoLinger(true, 0);
            accepted.close(); // RST
            Ended e = ended.get(10, TimeUnit.SECONDS);
            assertThat(e.error()).isNotNull();
            assertThat(e.toUpstream()).isEqualTo(11);
            Throwable seen = null;
            try {
                int r = client.getInputStream().read();
                assertThat(r).isEqualTo(-1);
            } catch (java.net.SocketException reset) {
                seen = reset;
            }
            if (seen != null) assertThat(seen.getMessage()).containsIgnoringCase("reset");
        }
    }
}
