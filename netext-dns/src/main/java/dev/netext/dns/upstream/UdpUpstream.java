package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.ResponseView;
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
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
        final IntObjectHashMap<Pending> pending = new IntObjectHashMap<>();
        final ResponseView view = new ResponseView();
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
            if (retiring && pending.isEmpty()) channelFuture.channel().close();
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
            if (pending.size() >= 0xF000) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.OVERLOADED, describe() + ": too many queries in flight"));
                return;
            }
            int fresh;
            do fresh = io.nextId(); while (pending.containsKey(fresh));
            final int id = fresh;
            int originalId = DnsWire.u16(q, DnsWire.ID);
            DnsWire.put16(q, DnsWire.ID, id);
            Pending p = new Pending(result, q, questionEnd, originalId);
            pending.put(id, p);
            p.timeout = ch.eventLoop().schedule(() -> {
                if (pending.remove(id) == p) {
                    result.completeExceptionally(new UpstreamException(UpstreamException.Kind.TIMEOUT,
                            describe() + ": no answer within " + timeoutMillis + " ms"));
                    closeIfIdle();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            ch.writeAndFlush(ch.alloc().ioBuffer(q.length).writeBytes(q));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress from = packet.sender();
            if (from != null && (!from.getAddress().equals(server.address()) || from.getPort() != server.port())) return;
            ByteBuf content = packet.content();
            int len = content.readableBytes();
            if (len < DnsWire.HEADER_LEN) return;
            byte[] msg = new byte[len];
            content.getBytes(content.readerIndex(), msg);
            int id = DnsWire.u16(msg, DnsWire.ID);
            Pending p = pending.get(id);
            if (p == null) return; // late, or not ours
            int status = view.parse(msg, len, p.query, DnsWire.HEADER_LEN, p.questionEnd);
            if (status == ResponseView.QUESTION_MISMATCH || status == ResponseView.NOT_A_RESPONSE) return;
            pending.remove(id);
            p.timeout.cancel(false);
            if (status != ResponseView.OK) {
                p.result.completeExceptionally(new UpstreamException(UpstreamException.Kind.MALFORMED, describe() + ": malformed response"));
            } else {
                DnsWire.put16(msg, DnsWire.ID, p.originalId);
                p.result.complete(msg);
            }
            closeIfIdle();
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
            for (Pending p : pending.values()) {
                p.timeout.cancel(false);
                p.result.completeExceptionally(e);
            }
            pending.clear();
            closeIfIdle();
        }
    }

    private static final class Pending {
        final CompletableFuture<byte[]> result;
        final byte[] query;
        final int questionEnd;
        final int originalId;
        ScheduledFuture<?> timeout;

        Pending(CompletableFuture<byte[]> result, byte[] query, int questionEnd, int originalId) {
            this.result = result;
            this.query = query;
            this.questionEnd = questionEnd;
            this.originalId = originalId;
        }
    }
}
