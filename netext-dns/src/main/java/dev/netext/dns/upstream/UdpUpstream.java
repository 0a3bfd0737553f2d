package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * DNS over UDP to one server (RFC 1035 §4.2.1). Queries leave from a small pool of connected sockets, each bound to
 * a kernel-chosen random port and replaced after {@code usesPerPort} queries, so source port and ID together give an
 * off-path attacker ~2^16 × pool × rotation to guess (RFC 5452 §4, §9.2). A connected socket only receives from the
 * server, and a response must also repeat the question exactly; anything else is ignored (not failed: a spoofed
 * packet must not cancel the real answer). An ICMP port-unreachable fails the socket's queries at once, so a dead
 * server is noticed in a round trip rather than a timeout.
 */
public final class UdpUpstream implements Upstream {
    /** Answers are read into one buffer; RFC 6891 allows up to 65535, EDNS sizes in use stay ≤ 4096. */
    static final int RECEIVE_BUFFER = DnsWire.MAX_MESSAGE;

    private final Endpoint server;
    private final UpstreamIo io;
    private final int usesPerPort;
    private final Port[] ports;
    private volatile boolean closed;

    public UdpUpstream(Endpoint server, UpstreamIo io, int portCount, int usesPerPort) {
        this.server = server;
        this.io = io;
        this.usesPerPort = usesPerPort;
        this.ports = new Port[portCount];
    }

    @Override public Endpoint address() { return server; }

    @Override public String describe() { return "udp://" + server; }

    @Override
    public CompletableFuture<byte[]> exchange(byte[] query, int length, int questionEnd, long timeoutMillis) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new UpstreamException(UpstreamException.Kind.CLOSED, describe() + " is closed"));
            return result;
        }
        byte[] q = Arrays.copyOf(query, length);
        io.onIoThread(() -> {
            Port port = pickPort();
            port.channelFuture.channel().eventLoop().execute(() -> port.send(q, questionEnd, timeoutMillis, result));
        }, result);
        return result;
    }

    private Port pickPort() {
        int i = io.random().nextInt(ports.length);
        synchronized (ports) {
            Port p = ports[i];
            if (p == null || p.retired() || (p.channelFuture.isDone() && !p.channelFuture.channel().isActive())) {
                if (p != null) p.retire();
                p = new Port();
                ports[i] = p;
            }
            p.uses++;
            return p;
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (ports) {
            for (int i = 0; i < ports.length; i++) {
                if (ports[i] != null) ports[i].channelFuture.channel().close();
                ports[i] = null;
            }
        }
    }

    /** One connected socket and the queries in flight on it; its state is touched only on its event loop. */
    private final class Port extends SimpleChannelInboundHandler<DatagramPacket> {
        final ChannelFuture channelFuture;
        PendingQueries pending; // made on the event loop by the first send
        int uses; // under ports' lock
        volatile boolean retiring;

        Port() {
            Port self = this;
            channelFuture = new Bootstrap().group(io.group()).channel(EpollDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BUFFER))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override protected void initChannel(Channel ch) {
                            io.mark(ch);
                            ch.pipeline().addLast(self);
                        }
                    })
                    .connect(server.toSocketAddress());
        }

        boolean retired() { return uses >= usesPerPort; }

        void retire() {
            retiring = true;
            channelFuture.channel().eventLoop().execute(this::closeIfIdle);
        }

        void closeIfIdle() {
            if (retiring && (pending == null || pending.isEmpty())) channelFuture.channel().close();
        }

        void send(byte[] q, int questionEnd, long timeoutMillis, CompletableFuture<byte[]> result) {
            if (!channelFuture.isDone()) {
                channelFuture.addListener(f -> send(q, questionEnd, timeoutMillis, result));
                return;
            }
            Channel ch = channelFuture.channel();
            if (!channelFuture.isSuccess() || !ch.isActive()) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.UNAVAILABLE,
                        describe() + ": cannot open a socket: " + channelFuture.cause()));
                return;
            }
            if (pending == null) pending = new PendingQueries(describe(), io, ch.eventLoop(), -1);
            if (pending.size() >= 0xF000) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.OVERLOADED, describe() + ": too many queries in flight"));
                return;
            }
            pending.add(q, questionEnd, timeoutMillis, result, this::closeIfIdle);
            ch.writeAndFlush(ch.alloc().ioBuffer(q.length).writeBytes(q));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress from = packet.sender();
            if (from != null && (!from.getAddress().equals(server.address()) || from.getPort() != server.port())) return;
            ByteBuf content = packet.content();
            int len = content.readableBytes();
            if (len < DnsWire.HEADER_LEN || pending == null) return;
            byte[] msg = new byte[len];
            content.getBytes(content.readerIndex(), msg);
            if (pending.answer(msg, len)) closeIfIdle(); // else late, or not ours: ignored
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            UpstreamException.Kind kind = cause instanceof PortUnreachableException
                    || String.valueOf(cause.getMessage()).contains("Connection refused")
                    ? UpstreamException.Kind.REFUSED : UpstreamException.Kind.CLOSED;
            failAll(new UpstreamException(kind, describe() + ": " + cause.getMessage()));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll(new UpstreamException(UpstreamException.Kind.CLOSED, describe() + ": socket closed"));
        }

        private void failAll(UpstreamException e) {
            if (pending != null) pending.failAll(e);
            closeIfIdle();
        }
    }
}
