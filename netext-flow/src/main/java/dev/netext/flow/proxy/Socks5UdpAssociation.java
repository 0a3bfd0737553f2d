package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A SOCKS5 UDP association (RFC 1928 §4 UDP ASSOCIATE, §7): a TCP control connection that negotiates the relay and
 * keeps the association alive, and a UDP socket that exchanges {@link Socks5UdpDatagram}s with the relay. The
 * association ends when either side closes the control connection (§6: "A UDP association terminates when the TCP
 * connection that the UDP ASSOCIATE request arrived on terminates").
 *
 * <p>Both sockets carry {@code mark} as SO_MARK (0: none), so netext's own interception skips them. Datagrams from
 * anyone but the relay, fragments and malformed headers are dropped. Everything runs on one event loop, and both
 * sockets are made by its thread, so they belong to that thread's network namespace whoever calls {@link #open}.
 */
public final class Socks5UdpAssociation implements AutoCloseable {
    private static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);

    private final Channel control;
    private final Channel udp;
    private final InetSocketAddress relay;

    private Socks5UdpAssociation(Channel control, Channel udp, InetSocketAddress relay) {
        this.control = control;
        this.udp = udp;
        this.relay = relay;
    }

    /**
     * Opens an association through {@code server}; {@code receiver} gets each datagram the relay forwards (on the
     * event loop; copy the payload to keep it).
     */
    public static Future<Socks5UdpAssociation> open(EventLoop loop, Endpoint server, Optional<Socks5Credentials> credentials,
                                                    int mark, Duration timeout, Consumer<Socks5UdpDatagram> receiver) {
        return open(loop, server, credentials, mark, timeout, receiver, () -> { });
    }

    /**
     * As {@link #open(EventLoop, Endpoint, Optional, int, Duration, Consumer)}; the relay socket reads in batches
     * ({@link DatagramBatches}) and {@code batchEnd} runs after each batch's datagrams went to {@code receiver}: where
     * a relay flushes what they made it write.
     */
    public static Future<Socks5UdpAssociation> open(EventLoop loop, Endpoint server, Optional<Socks5Credentials> credentials,
                                                    int mark, Duration timeout, Consumer<Socks5UdpDatagram> receiver,
                                                    Runnable batchEnd) {
        Promise<Socks5UdpAssociation> result = loop.newPromise();
        Promise<Void> negotiated = loop.newPromise();
        Socks5ClientHandshake handshake = Socks5ClientHandshake.udpAssociate(Socks5Address.unspecified(), credentials);
        InetSocketAddress serverAddress = server.toSocketAddress();
        InetSocketAddress[] relay = new InetSocketAddress[1];
        Bootstrap udpBoot = DatagramBatches.readInBatches(new Bootstrap().group(loop).channel(EpollDatagramChannel.class))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        if (relay[0] == null || !p.sender().equals(relay[0])) return;
                        Socks5UdpDatagram d = Socks5UdpDatagram.parse(p.content().nioBuffer());
                        if (d != null) receiver.accept(d);
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        batchEnd.run();
                    }
                });
        if (mark != 0) udpBoot.option(SO_MARK, mark);
        Bootstrap tcpBoot = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        ch.pipeline().addLast(new HandshakeHandler(handshake, negotiated, timeout));
                    }
                });
        if (mark != 0) tcpBoot.option(SO_MARK, mark);
        InetSocketAddress any = new InetSocketAddress(serverAddress.getAddress() instanceof Inet4Address
                ? "0.0.0.0" : "::", 0);
        // sockets are created by the thread that binds or connects: the loop's, so they live in its network namespace
        loop.execute(() -> udpBoot.bind(any).addListener((ChannelFutureListener) bound -> {
            if (!bound.isSuccess()) {
                result.tryFailure(bound.cause());
                return;
            }
            Channel udp = bound.channel();
            tcpBoot.connect(serverAddress).addListener((ChannelFutureListener) connected -> {
                if (!connected.isSuccess()) {
                    udp.close();
                    result.tryFailure(connected.cause());
                    return;
                }
                Channel control = connected.channel();
                negotiated.addListener(n -> {
                    if (!n.isSuccess()) {
                        udp.close();
                        control.close();
                        result.tryFailure(n.cause());
                        return;
                    }
                    InetSocketAddress r;
                    try {
                        r = relayAddress(handshake.bound(), serverAddress);
                    } catch (IOException e) {
                        udp.close();
                        control.close();
                        result.tryFailure(e);
                        return;
                    }
                    relay[0] = r;
                    // the control connection carries nothing more; reading it notices the server closing it
                    control.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }
                    });
                    control.pipeline().remove(HandshakeHandler.class);
                    control.config().setAutoRead(true);
                    control.closeFuture().addListener(c -> udp.close());
                    udp.closeFuture().addListener(c -> control.close());
                    if (!result.trySuccess(new Socks5UdpAssociation(control, udp, r))) {
                        udp.close();
                        control.close();
                    }
                });
            });
        }));
        return result;
    }

    /** §6: BND.ADDR/BND.PORT; an unspecified address (0.0.0.0, ::) means the server's own. */
    static InetSocketAddress relayAddress(Socks5Address bound, InetSocketAddress server) throws IOException {
        if (bound.address().isEmpty())
            throw new Socks5Exception("server named its UDP relay by domain name (" + bound + "); an address is needed");
        if (bound.port() == 0) throw new Socks5Exception("server gave UDP relay port 0");
        InetAddress a = bound.address().get();
        return new InetSocketAddress(a.isAnyLocalAddress() ? server.getAddress() : a, bound.port());
    }

    /** The relay datagrams go to. */
    public InetSocketAddress relay() { return relay; }

    /** Sends {@code payload} to {@code destination} through the relay. */
    public Future<Void> send(Socks5Address destination, ByteBuffer payload) {
        Future<Void> sent = udp.write(datagram(destination, payload));
        udp.flush();
        return sent;
    }

    /**
     * Queues {@code payload} (copied) to {@code destination} through the relay, to leave with the next {@link #flush}
     * (the queued datagrams in one {@code sendmmsg}). On the association's event loop.
     */
    public void write(Socks5Address destination, ByteBuffer payload) {
        udp.write(datagram(destination, payload), udp.voidPromise());
    }

    /** Sends what {@link #write} queued. */
    public void flush() {
        udp.flush();
    }

    /** The §7 header and {@code payload} in one pooled direct buffer, addressed to the relay. */
    private DatagramPacket datagram(Socks5Address destination, ByteBuffer payload) {
        Socks5UdpDatagram d = new Socks5UdpDatagram(destination, payload);
        int len = d.bufferLen();
        ByteBuf out = udp.alloc().directBuffer(len);
        d.emit(out.nioBuffer(0, len));
        return new DatagramPacket(out.writerIndex(len), relay);
    }

    /** Completes when the association ends (the server closed the control connection, or {@link #close}). */
    public Future<Void> closeFuture() { return udp.closeFuture(); }

    public boolean isOpen() { return udp.isOpen() && control.isOpen(); }

    @Override
    public void close() {
        udp.close();
        control.close();
    }
}
