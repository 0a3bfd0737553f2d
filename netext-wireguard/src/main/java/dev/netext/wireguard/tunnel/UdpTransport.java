package dev.netext.wireguard.tunnel;

import dev.netext.linux.udp.UdpBatchReceiver;
import dev.netext.wireguard.BatchOpener;
import dev.netext.wireguard.CryptoPipeline;
import dev.netext.wireguard.Device;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.SegmentedDatagramPacket;
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
 *   receive: {@link UdpReceiveLoop} on a thread of its own: recvmmsg, each slot a GSO train (UDP_GRO) or a datagram
 *            → {@link BatchOpener} (opened in parallel, delivered in order) → {@link InboundSink}
 *            → TUN, one batch write per recvmmsg
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
     * UDP GRO: a GSO train from a batching peer (netext, wireguard-go with offloads), or a run of plain datagrams the
     * interface merged, arrives in one recvmmsg slot with its segment size ({@code -Dnetext.wireguard.gro=false} to
     * compare: then every slot is one datagram).
     */
    static final boolean GRO = Boolean.parseBoolean(System.getProperty("netext.wireguard.gro", "true"));
    /** Datagrams held for one {@link BatchOpener} burst. */
    static final int BURST = 64;

    /** Where decrypted packets go; called on the UDP receive thread only. */
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
    private volatile UdpBatchReceiver[] receivers;
    private volatile CryptoPipeline<BatchOpener> openPipeline;
    private volatile Thread receiveThread;

    private UdpTransport() {
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wireguard-udp", true), EpollIoHandler.newFactory());
    }

    /**
     * Binds the socket on {@code port} (0: any) with SO_MARK {@code mark} (0: none); it receives nothing until
     * {@link #startReceiving}.
     */
    public static UdpTransport bind(int port, int mark) throws IOException {
        if (!Epoll.isAvailable()) throw new IOException("Netty epoll is not available: " + Epoll.unavailabilityCause());
        UdpTransport t = new UdpTransport();
        try {
            t.channel = t.bindChannel(port, mark);
            t.batcher = new DatagramBatcher(t.channel, t.gso);
            t.gate.bind(t.channel);
            t.mark = mark;
            return t;
        } catch (IOException | RuntimeException e) {
            t.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private Channel bindChannel(int port, int mark) throws IOException {
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET6))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .option(ChannelOption.AUTO_READ, false)                 // UdpReceiveLoop reads the socket
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .option(EpollChannelOption.UDP_GRO, GRO)
                .handler(new SendSide());
        if (mark != 0) b.option(SO_MARK, mark);
        try {
            return b.bind(new InetSocketAddress(port)).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException("cannot bind UDP port " + port + ": " + why, e);
        }
    }

    /**
     * Starts receiving into {@code device} on a thread of its own, opening on a pipeline of {@code threads} workers
     * and {@code depth} bursts in flight; decrypted packets go to {@code sink}. Once.
     */
    public void startReceiving(Device device, int threads, int depth, InboundSink sink) throws IOException {
        int fd = ((EpollDatagramChannel) channel).fd().intValue();
        UdpBatchReceiver[] rs = new UdpBatchReceiver[depth];
        BatchOpener[] openers = new BatchOpener[depth];
        Runnable afterDelivery = () -> { sink.flush(); batcher.flush(); };
        try {
            for (int i = 0; i < depth; i++) {
                // views: the openers in flight hold up to depth × BURST, and the receiver points the next view at its
                // datagram before the loop can wait for a free opener: one more opener's worth
                rs[i] = new UdpBatchReceiver(fd, UdpReceiveLoop.MESSAGES, UdpBatchReceiver.MAX_SLOT, (depth + 1) * BURST);
                openers[i] = new BatchOpener(device, BURST, afterDelivery);
            }
        } catch (IOException | RuntimeException e) {
            for (UdpBatchReceiver r : rs) if (r != null) r.close();
            throw e;
        }
        CryptoPipeline<BatchOpener> pipeline = new CryptoPipeline<>("wireguard-open", openers, threads);
        UdpReceiveLoop loop = new UdpReceiveLoop(rs, pipeline, device, () -> batcher.flush());
        Thread t = Thread.ofPlatform().name("wireguard-udp-receive").daemon().unstarted(loop::routineReceive);
        receivers = rs;
        openPipeline = pipeline;
        receiveThread = t;
        t.start();
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
        stopReceiving();
        try {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** Stops the receive thread before the socket closes (its fd must not be read once Netty may reuse it). */
    private void stopReceiving() {
        UdpBatchReceiver[] rs = receivers;
        Thread t = receiveThread;
        if (rs == null || t == null) return;
        rs[0].wakeUp();
        try {
            t.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        openPipeline.close();
        if (!t.isAlive()) for (UdpBatchReceiver r : rs) r.close();   // else left to the process's exit
    }

    /** The channel only sends: writability for {@link WritabilityGate}, and socket errors. */
    private final class SendSide extends ChannelInboundHandlerAdapter {
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
