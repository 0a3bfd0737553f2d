package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.proxy.TcpConnection;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TcpConnection} on a Netty epoll channel with SO_MARK, for providers' blocking threads: the JDK's sockets
 * cannot carry a mark, so netext's own interception would take them back. Reads are pulled: one read burst is
 * requested whenever the reader has drained what came before (auto-read off), so a slow reader stops the socket, not
 * the heap. The channel is created by the event loop's thread, so it lives in that thread's network namespace.
 */
public final class MarkedTcpConnection implements TcpConnection {
    private static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);
    private static final Object EOF = new Object();

    private volatile Channel channel;
    private final Endpoint remote;
    private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private ByteBuf current;
    private boolean eof;

    private MarkedTcpConnection(Endpoint remote) {
        this.remote = remote;
    }

    /** Connects to {@code to} with SO_MARK {@code mark} on {@code loop}, blocking up to {@code timeout}. */
    public static MarkedTcpConnection connect(EventLoop loop, InetSocketAddress to, int mark, Duration timeout) throws IOException {
        MarkedTcpConnection conn = new MarkedTcpConnection(Endpoint.of(to));
        Bootstrap b = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(SO_MARK, mark)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(conn.new Reader());
        ChannelFuture f;
        try {
            f = loop.submit(() -> b.connect(to)).get(); // the loop's thread creates the socket: its namespace
            if (!f.await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                f.channel().close();
                throw new IOException("connect to " + to + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted connecting to " + to);
        } catch (ExecutionException e) {
            throw new IOException("connect to " + to + ": " + e.getCause(), e.getCause());
        }
        if (!f.isSuccess()) {
            Throwable c = f.cause();
            throw new IOException("connect to " + to + ": " + (c == null ? "failed" : c.getMessage()), c);
        }
        conn.channel = f.channel();
        conn.channel.read();
        return conn;
    }

    /** Queues what the socket delivers for the blocking reader. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) { inbound.add(msg); }

        @Override public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) inbound.add(EOF);
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) { inbound.add(EOF); }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    @Override public Endpoint remote() { return remote; }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) return 0;
        while (current == null || !current.isReadable()) {
            if (current != null) {
                current.release();
                current = null;
            }
            if (eof) return -1;
            Object next;
            try {
                if (inbound.isEmpty()) channel.read(); // drained: ask for the next burst
                next = inbound.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("read interrupted");
            }
            if (next == EOF) {
                eof = true;
                return -1;
            }
            current = (ByteBuf) next;
        }
        int n = Math.min(dst.remaining(), current.readableBytes());
        int limit = dst.limit();
        dst.limit(dst.position() + n);
        current.readBytes(dst);
        dst.limit(limit);
        return n;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) return;
        writeAndAwait(channel, src, "write", "write to ", remote);
    }

    /**
     * Writes a copy of {@code data} to {@code channel} and waits until it is written (the caller's thread blocks, as
     * a stream's or a session's does). An interrupt says "{@code verb} interrupted"; a failed write
     * "{@code failedTo}{@code remote}: cause".
     */
    static void writeAndAwait(Channel channel, ByteBuffer data, String verb, String failedTo, Object remote) throws IOException {
        ChannelFuture f = channel.writeAndFlush(Unpooled.copiedBuffer(data));
        try {
            f.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(verb + " interrupted");
        }
        if (!f.isSuccess()) throw new IOException(failedTo + remote + ": " + f.cause(), f.cause());
    }

    @Override
    public void shutdownOutput() throws IOException {
        ChannelFuture f = ((EpollSocketChannel) channel).shutdownOutput();
        try {
            f.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("shutdownOutput interrupted");
        }
        if (!f.isSuccess()) throw new IOException("shutdownOutput: " + f.cause(), f.cause());
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        Object o;
        while ((o = inbound.poll()) != null) ReferenceCountUtil.release(o);
        if (current != null) {
            current.release();
            current = null;
        }
        eof = true;
    }
}
