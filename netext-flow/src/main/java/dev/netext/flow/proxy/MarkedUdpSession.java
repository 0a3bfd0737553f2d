package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.proxy.UdpSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link UdpSession} on a connected Netty epoll datagram channel with SO_MARK, for providers' blocking threads (the
 * JDK's sockets cannot carry a mark), reading in batches ({@link DatagramBatches}). Received datagrams wait in a bounded queue (256; beyond, dropped, as a full
 * socket buffer would); the channel is created by the event loop's thread, so in its network namespace.
 */
public final class MarkedUdpSession implements UdpSession {
    private static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);
    private static final int MAX_QUEUED = 256;

    private final Endpoint remote;
    private final LinkedBlockingQueue<ByteBuf> inbound = new LinkedBlockingQueue<>(MAX_QUEUED);
    private volatile Channel channel;

    private MarkedUdpSession(Endpoint remote) {
        this.remote = remote;
    }

    /** A socket connected to {@code to} with SO_MARK {@code mark}, made on {@code loop}. */
    public static MarkedUdpSession open(EventLoop loop, InetSocketAddress to, int mark) throws IOException {
        MarkedUdpSession s = new MarkedUdpSession(Endpoint.of(to));
        SocketProtocolFamily family = to.getAddress() instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        Bootstrap b = DatagramBatches.readInBatches(new Bootstrap().group(loop)
                        .channelFactory(() -> new EpollDatagramChannel(family)).option(SO_MARK, mark))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>(false) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        if (s.inbound.remainingCapacity() == 0) {
                            p.release();
                            return;
                        }
                        // queued as a copy of its own size: a slice would keep its whole read batch's buffer
                        ByteBuf copy = DatagramBatches.compact(p.content());
                        if (!s.inbound.offer(copy)) copy.release();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // ICMP errors on the connected socket (port unreachable): the datagram is lost, as for UDP
                    }
                });
        ChannelFuture f;
        try {
            f = loop.submit(() -> b.connect(to)).get(); // the loop's thread creates the socket: its namespace
            f.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted opening UDP to " + to);
        } catch (ExecutionException e) {
            throw new IOException("UDP to " + to + ": " + e.getCause(), e.getCause());
        }
        if (!f.isSuccess()) throw new IOException("UDP to " + to + ": " + f.cause(), f.cause());
        s.channel = f.channel();
        return s;
    }

    @Override public Endpoint remote() { return remote; }

    @Override
    public void send(ByteBuffer payload) throws IOException {
        MarkedTcpConnection.writeAndAwait(channel, payload, "send", "UDP send to ", remote);
    }

    @Override
    public int receive(ByteBuffer dst, Duration timeout) throws IOException {
        ByteBuf b;
        try {
            b = inbound.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("receive interrupted");
        }
        if (b == null) return -1;
        try {
            int n = b.readableBytes();
            int take = Math.min(n, dst.remaining());
            int limit = dst.limit();
            dst.limit(dst.position() + take);
            b.readBytes(dst);
            dst.limit(limit);
            return take;
        } finally {
            b.release();
        }
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        ByteBuf b;
        while ((b = inbound.poll()) != null) ReferenceCountUtil.release(b);
    }
}
