package dev.netext.flow.proxy;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.ffm.Mmsg;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * How an intercepted UDP flow's two connected relay sockets read: {@code UDP_GRO} on, so a train of same-size datagrams
 * of the flow (a client's or a server's GSO send, or a run the interface's GRO merged) is queued whole and read as one
 * message, and {@code recvmmsg} with a control buffer per slot, so a wake-up reads up to
 * {@link DatagramBatches#DATAGRAMS_PER_WAKEUP} datagrams whichever way they came:
 *
 * <pre>
 *   epoll (the channel's event loop, level-triggered, a dup of the socket)
 *     → recvmmsg(16 slots of 64 KiB, one pooled buffer; MSG_DONTWAIT) → per slot: length, UDP_GRO segment size
 *     → channelRead: a DatagramPacket per lone datagram, a SegmentedDatagramPacket per train (a slice of its slot)
 *     → channelReadComplete once per wake-up (the flow flushes the other socket: one GSO send per run)
 * </pre>
 *
 * Datagram boundaries stay exact: the kernel gives a train's segment size in its {@code UDP_GRO} control message, and
 * the flow passes a train on whole (one GSO send, {@code CoalescingDatagramWriter}) when nothing looks at its data,
 * and cuts it into slices, one per datagram ({@link #forEachDatagram}, no copy), when a filter judges datagrams or
 * the flow holds them. Netty's own {@code recvmmsg} passes no control buffer — a train read through it would be one
 * oversized datagram — so the channel does not read for itself ({@code AUTO_READ} off, and this reader's registration
 * is for a {@code dup} of its socket, since an epoll set holds a descriptor once); the one read Netty still makes, on
 * an error event (an ICMP error on the connected socket), is a {@code recvmsg} with a control buffer, which Netty cuts
 * at the segment size itself.
 *
 * <p>{@code -Dnetext.flow.udpGro=false} reads with Netty's {@code recvmmsg} batches instead ({@link DatagramBatches}),
 * for comparing; read per flow, so a benchmark can switch it between runs.
 */
public final class DatagramTrains {
    private static final Logger log = LoggerFactory.getLogger(DatagramTrains.class);
    /** A slot holds a whole train: the largest UDP payload, rounded to the page. */
    static final int SLOT = 65_536;
    static final int SLOTS = DatagramBatches.DATAGRAMS_PER_READ;
    /** CMSG_SPACE(sizeof(int)) = 24 for a UDP_GRO message, with room to spare. */
    static final int CONTROL = 32;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final ByteBufAllocator BUFFERS = PooledByteBufAllocator.DEFAULT;
    /** The mmsghdr vector, iovecs and control buffers: one set per event-loop thread (reads there are sequential). */
    private static final ThreadLocal<MmsgVector> VECTORS = ThreadLocal.withInitial(MmsgVector::new);

    /** Datagrams that arrived in trains (a slot with a UDP_GRO segment size), all flows: for tests and benchmarks. */
    private static final LongAdder TRAIN_DATAGRAMS = new LongAdder();

    private DatagramTrains() {}

    /** Datagrams read so far that had arrived in trains, all flows of this process. */
    public static long trainDatagrams() { return TRAIN_DATAGRAMS.sum(); }

    /**
     * Each datagram of {@code packet}, in order, to {@code each} (which takes ownership): a train
     * ({@link SegmentedDatagramPacket}) as slices cut at its segment size, anything else as it is; {@code packet}'s
     * own reference is released.
     */
    public static void forEachDatagram(DatagramPacket packet, Consumer<ByteBuf> each) {
        ByteBuf content = packet.content();
        if (!(packet instanceof SegmentedDatagramPacket train)) {
            each.accept(content);
            return;
        }
        try {
            int segment = train.segmentSize();
            for (int at = content.readerIndex(); at < content.writerIndex(); at += segment)
                each.accept(content.retainedSlice(at, Math.min(segment, content.writerIndex() - at)));
        } finally {
            content.release();
        }
    }

    /** Whether flows opened now read trains ({@code -Dnetext.flow.udpGro}, default on). */
    public static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("netext.flow.udpGro", "true"));
    }

    /**
     * {@code b} makes a socket that reads trains once {@link #readWhenConnected} attached the reader: GRO on, no reads
     * of its own but the error-event one (a whole slot, so it cuts nothing either), room for a burst.
     */
    public static Bootstrap readTrains(Bootstrap b) {
        return b.option(EpollChannelOption.UDP_GRO, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(SLOT))
                .option(ChannelOption.ALLOCATOR, BUFFERS)
                .option(DatagramBatches.SO_RCVBUFFORCE, DatagramBatches.RECEIVE_BUFFER);
    }

    /** Once {@code connect} succeeds, a reader hands its channel's datagrams and trains on, until the channel closes. */
    public static void readWhenConnected(ChannelFuture connect) {
        connect.addListener(f -> {
            if (f.isSuccess()) attach((EpollDatagramChannel) connect.channel());
        });
    }

    private static void attach(EpollDatagramChannel ch) {
        if (!ch.isOpen()) return;
        Reader reader;
        try {
            reader = new Reader(ch, Libc.fcntl(ch.fd().intValue(), F_DUPFD_CLOEXEC, 0));
        } catch (LinuxException e) {
            ch.pipeline().fireExceptionCaught(e);
            ch.close();
            return;
        }
        ((IoEventLoop) ch.eventLoop()).register(reader).addListener(r -> {
            if (!r.isSuccess()) {
                reader.close();
                ch.pipeline().fireExceptionCaught(r.cause());
                ch.close();
                return;
            }
            IoRegistration registration = (IoRegistration) r.getNow();
            if (!ch.isOpen()) {
                registration.cancel();
                return;
            }
            registration.submit(EpollIoOps.EPOLLIN); // level-triggered: what one wake-up leaves wakes the next
            ch.closeFuture().addListener(c -> registration.cancel());
        });
    }

    /** Reads one relay socket on its channel's event loop, through its own descriptor of the socket. */
    private static final class Reader implements EpollIoHandle {
        private final EpollDatagramChannel channel;
        private final FileDescriptor fd;
        private final InetSocketAddress local, remote;
        private long truncated;
        /** Datagrams handed on in this wake-up. */
        private int read;

        Reader(EpollDatagramChannel channel, int dupFd) {
            this.channel = channel;
            this.fd = new FileDescriptor(dupFd);
            this.local = channel.localAddress();
            this.remote = channel.remoteAddress();
        }

        @Override
        public FileDescriptor fd() { return fd; }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            ChannelPipeline pipeline = channel.pipeline();
            read = 0;
            try {
                // a full batch may have left more; a short one emptied the queue
                while (read < DatagramBatches.DATAGRAMS_PER_WAKEUP && readBatch(pipeline) == SLOTS) {}
            } catch (LinuxException e) {
                pipeline.fireExceptionCaught(e); // an ICMP error on the connected socket (ECONNREFUSED …)
            }
            if (read > 0) pipeline.fireChannelReadComplete();
        }

        /** One {@code recvmmsg}; each datagram it brought to {@code pipeline}. Returns the slots filled. */
        private int readBatch(ChannelPipeline pipeline) throws LinuxException {
            MmsgVector v = VECTORS.get();
            ByteBuf batch = BUFFERS.directBuffer(SLOT * SLOTS, SLOT * SLOTS);
            try {
                long base = MemorySegment.ofBuffer(batch.nioBuffer(0, SLOT * SLOTS)).address();
                int n = Mmsg.recvmmsg(fd.intValue(), v.prepare(base), SLOTS, Mmsg.MSG_DONTWAIT);
                batch.writerIndex(n * SLOT);
                for (int i = 0; i < n; i++) {
                    long hdr = (long) i * Mmsg.MMSGHDR_SIZE;
                    int length = v.vec.get(JAVA_INT, hdr + Mmsg.MSG_LEN), at = i * SLOT;
                    if ((v.vec.get(JAVA_INT, hdr + Mmsg.MSG_FLAGS) & Mmsg.MSG_TRUNC) != 0) {
                        if (truncated++ == 0) log.debug("{}: a datagram larger than {} bytes dropped", remote, SLOT);
                        continue;
                    }
                    int segment = Mmsg.groSegmentSize(v.controls, (long) i * CONTROL,
                            v.vec.get(JAVA_LONG, hdr + Mmsg.MSG_CONTROLLEN), CONTROL);
                    if (segment > 0 && segment < length) { // a train: whole, for the flow to pass on or cut
                        TRAIN_DATAGRAMS.add((length + segment - 1) / segment);
                        read += (length + segment - 1) / segment;
                        ByteBuf train = batch.retainedSlice(at, length);
                        pipeline.fireChannelRead(new SegmentedDatagramPacket(train, segment, local, remote));
                    } else {
                        read++;
                        pipeline.fireChannelRead(new DatagramPacket(batch.retainedSlice(at, length), local, remote));
                    }
                }
                return n;
            } finally {
                batch.release(); // the slices keep it until the last is released
            }
        }

        @Override
        public void unregistered() { close(); }

        @Override
        public void close() {
            try {
                fd.close(); // only this descriptor: the channel closes the socket's own
            } catch (IOException e) {
                log.debug("closing the reader's descriptor of {}: {}", remote, e.toString());
            }
        }
    }

    /** A {@code struct mmsghdr} vector of {@link #SLOTS} entries with an iovec and a control buffer each. */
    private static final class MmsgVector {
        final MemorySegment vec, iovs, controls;

        MmsgVector() {
            Arena arena = Arena.ofAuto();
            vec = arena.allocate((long) SLOTS * Mmsg.MMSGHDR_SIZE, 8);
            iovs = arena.allocate((long) SLOTS * 16, 8);
            controls = arena.allocate((long) SLOTS * CONTROL, 8);
            for (int i = 0; i < SLOTS; i++) {
                long hdr = (long) i * Mmsg.MMSGHDR_SIZE;
                vec.set(ADDRESS, hdr + Mmsg.MSG_NAME, MemorySegment.NULL); // connected: the sender is the peer
                vec.set(ADDRESS, hdr + Mmsg.MSG_IOV, iovs.asSlice(i * 16L, 16));
                vec.set(JAVA_LONG, hdr + Mmsg.MSG_IOVLEN, 1L);
                vec.set(ADDRESS, hdr + Mmsg.MSG_CONTROL, controls.asSlice((long) i * CONTROL, CONTROL));
                iovs.set(JAVA_LONG, i * 16L + 8, SLOT);
            }
        }

        /** The vector, its slots at {@code base} (a buffer of {@code SLOTS × SLOT} bytes) and its lengths reset. */
        MemorySegment prepare(long base) {
            for (int i = 0; i < SLOTS; i++) {
                long hdr = (long) i * Mmsg.MMSGHDR_SIZE;
                iovs.set(JAVA_LONG, i * 16L, base + (long) i * SLOT);
                vec.set(JAVA_INT, hdr + Mmsg.MSG_NAMELEN, 0);
                vec.set(JAVA_LONG, hdr + Mmsg.MSG_CONTROLLEN, CONTROL);
            }
            return vec;
        }
    }
}
