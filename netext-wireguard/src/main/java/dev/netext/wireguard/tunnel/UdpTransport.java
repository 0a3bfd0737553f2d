package dev.netext.wireguard.tunnel;

import dev.netext.wireguard.BatchOpener;
import dev.netext.wireguard.CryptoWorkers;
import dev.netext.wireguard.Device;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The outside of the tunnel: one UDP socket (IPv6 dual-stack, so IPv4 and IPv6 peers share it) on a Netty epoll event
 * loop of its own.
 *
 * <pre>
 *   receive: recvmsg with UDP GRO (a GSO train per call), or recvmmsg ({@link #RECV_MESSAGES} datagrams per call)
 *            → {@link BatchOpener} (opened in parallel, delivered in order) → {@link InboundSink}
 *            → TUN, one batch write per read burst
 *   send:    any thread → Device (under the peer's lock) → {@link #outbound} → {@link DatagramBatcher} → GSO / sendmmsg
 * </pre>
 *
 * The socket carries SO_MARK = the tunnel's bypass mark, so a full tunnel's policy rule sends the encrypted packets
 * out of the main table instead of back into the tunnel.
 */
public final class UdpTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpTransport.class);
    /** SOL_SOCKET / SO_MARK from asm-generic/socket.h. */
    static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);
    static final int SOCKET_BUFFER = 4 << 20;
    /** Whether to coalesce equal-size datagrams into UDP GSO sends (-Dnetext.wireguard.gso=false to compare). */
    static final boolean GSO = Boolean.parseBoolean(System.getProperty("netext.wireguard.gso", "true"));
    /**
     * UDP GRO: a GSO train from a batching peer (netext, wireguard-go with offloads) arrives in one recvmsg. It
     * costs a system call per datagram from a peer that sends no trains (older wireguard-go, phones) wherever the
     * interface does no GRO itself (a veth without NAPI): {@code -Dnetext.wireguard.gro=false} reads with recvmmsg
     * instead, {@link #RECV_MESSAGES} datagrams per call. Not both: Netty's recvmmsg drops the UDP_GRO control
     * message, so a train read that way could not be cut into its datagrams.
     */
    static final boolean GRO = Boolean.parseBoolean(System.getProperty("netext.wireguard.gro", "true"));
    static final int RECV_MESSAGES = GRO ? 1 : Math.max(1, Integer.getInteger("netext.wireguard.recvmmsg", 32));
    /** A GRO train is one UDP datagram of up to 64 KiB; without GRO a slot holds one datagram (MTU up to ~4000). */
    static final int RECV_SLOT = GRO ? 65_536 : 4096;
    /** Datagrams held for one {@link BatchOpener} burst. */
    static final int BURST = 64;

    /** Where decrypted packets go; called on the event loop only. */
    public interface InboundSink {
        void deliver(ByteBuffer packet);

        /** The end of a read burst: write what was collected. */
        void flush();
    }

    private final EventLoopGroup group;
    private final WritabilityGate gate = new WritabilityGate();
    private final boolean gso = GSO && SegmentedDatagramPacket.isSupported();
    private volatile DatagramBatcher batcher;
    private volatile Channel channel;
    private volatile int mark;

    private UdpTransport() {
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wireguard-udp", true), EpollIoHandler.newFactory());
    }

    /**
     * Binds the socket on {@code port} (0: any) with SO_MARK {@code mark} (0: none) and starts receiving into
     * {@code device}, whose output must go to {@link #outbound}.
     */
    public static UdpTransport bind(int port, int mark, DeviceRef device, InboundSink sink) throws IOException {
        if (!Epoll.isAvailable()) throw new IOException("Netty epoll is not available: " + Epoll.unavailabilityCause());
        UdpTransport t = new UdpTransport();
        try {
            t.channel = t.bindChannel(port, mark, device, sink);
            t.batcher = new DatagramBatcher(t.channel, t.gso);
            t.gate.bind(t.channel);
            t.mark = mark;
            return t;
        } catch (IOException | RuntimeException e) {
            t.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private Channel bindChannel(int port, int mark, DeviceRef device, InboundSink sink) throws IOException {
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET6))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECV_SLOT * RECV_MESSAGES))
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, RECV_MESSAGES > 1 ? RECV_SLOT : 0)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .option(EpollChannelOption.UDP_GRO, GRO)
                .handler(new Receiver(device, sink));
        if (mark != 0) b.option(SO_MARK, mark);
        try {
            return b.bind(new InetSocketAddress(port)).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException("cannot bind UDP port " + port + ": " + why, e);
        }
    }

    /** The device, set once it exists (the device needs this transport's outbound first). */
    public static final class DeviceRef {
        volatile Device device;
        volatile BatchOpener opener;

        /** Starts receiving into {@code d}, opening on {@code workers} (owned by the caller). */
        public void set(Device d, CryptoWorkers workers) {
            this.opener = new BatchOpener(d, workers, BURST);
            this.device = d;
        }
    }

    /** Device output: datagrams go to the batcher, decrypted packets to {@code sink}. */
    public Device.Outbound outbound(InboundSink sink) {
        return new Device.Outbound() {
            @Override
            public void sendDatagram(ByteBuffer datagram, InetSocketAddress to) {
                batcher.add(datagram, to);
            }

            @Override
            public void deliverPacket(ByteBuffer packet) {
                sink.deliver(packet);
            }
        };
    }

    /**
     * Sends what was queued; call at the end of every burst of {@code Device} calls. Off the event loop, waits (a
     * bounded time) while the socket's outbound buffer is above its high water mark.
     */
    public void flush() {
        batcher.flush();
        gate.awaitWritable();
    }

    /** The bound UDP port. */
    public int port() { return ((InetSocketAddress) channel.localAddress()).getPort(); }

    public int mark() { return mark; }

    public boolean gso() { return gso; }

    /** Changes the socket's SO_MARK (UAPI {@code fwmark=}). */
    public void setMark(int mark) {
        channel.config().setOption(SO_MARK, mark);
        this.mark = mark;
    }

    @Override
    public void close() {
        try {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /**
     * Inbound: each datagram of a read burst into the {@link BatchOpener}, its buffer held until the burst is opened
     * (at the burst's end or every {@link #BURST} datagrams); then the sink and this thread's batcher are flushed.
     */
    private final class Receiver extends ChannelInboundHandlerAdapter {
        private final DeviceRef device;
        private final InboundSink sink;
        private final DatagramPacket[] held = new DatagramPacket[BURST];
        private int heldCount;

        Receiver(DeviceRef device, InboundSink sink) {
            this.device = device;
            this.sink = sink;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            BatchOpener opener = device.opener;
            ByteBuf content = p.content();
            if (opener == null || !content.isReadable()) {
                p.release();
                return;
            }
            held[heldCount++] = p;
            try {
                opener.add(content.nioBuffer(content.readerIndex(), content.readableBytes()), p.sender());
            } catch (RuntimeException e) {
                LOG.warn("datagram from {} dropped: {}", p.sender(), e.toString());
            }
            if (heldCount == BURST) openHeld(opener);
        }

        private void openHeld(BatchOpener opener) {
            try {
                opener.flush();
            } catch (RuntimeException e) {
                LOG.warn("datagrams dropped: {}", e.toString());
            } finally {
                for (int i = 0; i < heldCount; i++) {
                    held[i].release();
                    held[i] = null;
                }
                heldCount = 0;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            BatchOpener opener = device.opener;
            if (opener != null) openHeld(opener);
            sink.flush();
            batcher.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            gate.signal();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP errors (port unreachable) surface here as exceptions on a connectionless socket: not fatal.
            LOG.debug("UDP socket: {}", cause.toString());
        }
    }
}
