package dev.netext.linux.nfqueue;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.netlink.NetlinkFormatException;
import dev.netext.linux.netlink.NetlinkH;
import dev.netext.linux.netlink.NetlinkSocket;
import dev.netext.linux.netlink.NlReplies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.netext.linux.nfqueue.NfqPacket.NATIVE_INT;
import static dev.netext.linux.nfqueue.NfqPacket.NATIVE_SHORT;

/**
 * One bound netfilter queue ({@code nfnetlink_queue}) over a {@code NETLINK_NETFILTER} socket: what
 * libnetfilter_queue does, in Java through FFM.
 *
 * <p>Pipeline: the kernel queues a packet (iptables {@code NFQUEUE} target) → {@link #receive} drains every waiting
 * datagram into an {@link NfqBatch} (one poll, then non-blocking recvs into one native buffer: no copies, no
 * allocation) → the caller decides → {@link #verdict}/{@link #batchVerdict} append to a native buffer →
 * {@link #flush} sends all verdicts of the batch in one {@code sendto}. Verdicts may also come from other threads
 * (packets held for later); appends and flushes are serialised on the writer.
 *
 * <p>Closing unbinds the queue; with the socket gone the kernel drops packets still queued (or, with
 * {@code --queue-bypass} in the rule, accepts new ones).
 */
public final class NfQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NfQueue.class);
    private static final int ACK_TIMEOUT_MILLIS = 2000;
    private static final int PACKET_TYPE = NfnetlinkH.type(NfnetlinkH.NFNL_SUBSYS_QUEUE, NfqueueH.NFQNL_MSG_PACKET);
    private static final int NETLINK_NO_ENOBUFS = 5;

    private final NetlinkSocket socket;
    private NfqConfig config; // conntrack cleared when the kernel refuses it at open
    private final AtomicInteger seq = new AtomicInteger(1);
    private final Arena arena = Arena.ofShared();
    private final NfqVerdictWriter writer;
    private final AtomicLong overruns = new AtomicLong();
    private volatile boolean closed;

    private NfQueue(NetlinkSocket socket, NfqConfig config, int verdictBufferBytes) {
        this.socket = socket;
        this.config = config;
        this.writer = new NfqVerdictWriter(arena.allocate(verdictBufferBytes, 8));
    }

    /**
     * Opens a socket in the calling thread's network namespace and binds queue {@code config.queue()}.
     *
     * @throws LinuxException {@code EBUSY} when another process holds the queue, {@code EPERM} without CAP_NET_ADMIN
     */
    public static NfQueue open(NfqConfig config) throws LinuxException {
        NetlinkSocket s = NetlinkSocket.open(NfnetlinkH.NETLINK_NETFILTER, 0, false);
        try {
            s.setOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, config.receiveBufferBytes());
            // Report nothing on overrun: the kernel then drops (or fail-open accepts) what did not fit; a queue has
            // no dump to restart, so an ENOBUFS error would carry no useful information.
            s.setOption(NetlinkH.SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
            NfQueue q = new NfQueue(s, config, 1 << 20);
            q.request(NfqConfigRequests.bind(q.seq.getAndIncrement(), config), "bind queue " + config.queue());
            try {
                q.request(NfqConfigRequests.flags(q.seq.getAndIncrement(), config.queue(),
                        NfqConfigRequests.FLAG_MASK, config.flags()), "set queue flags");
            } catch (LinuxException e) {
                if (!config.conntrack() || !e.is(Errno.EOPNOTSUPP)) throw e;
                log.debug("queue {}: no conntrack glue in this kernel (CONFIG_NETFILTER_NETLINK_GLUE_CT); "
                        + "conntrack state comes from the steering rules' marks", config.queue());
                q.config = config.withConntrack(false);
                q.request(NfqConfigRequests.flags(q.seq.getAndIncrement(), config.queue(),
                        NfqConfigRequests.FLAG_MASK, q.config.flags()), "set queue flags");
            }
            return q;
        } catch (LinuxException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public NfqConfig config() { return config; }

    public int queueNumber() { return config.queue(); }

    /** Whether packets carry conntrack state and mark from the kernel ({@code NFQA_CT_INFO}, {@code NFQA_CT}). */
    public boolean conntrackInfo() { return config.conntrack(); }

    /** Datagrams the kernel reported dropped for lack of receive buffer. */
    public long overruns() { return overruns.get(); }

    /** Sends a configuration message and waits for its ACK. */
    private void request(ByteBuffer msg, String what) throws LinuxException {
        socket.request(msg, what, ACK_TIMEOUT_MILLIS, NlReplies.ACK);
    }

    /**
     * Waits up to {@code timeoutMillis} for packets, then drains what is waiting (up to the batch's capacity and
     * buffer) into {@code batch}. Returns the number of packets; 0 on timeout.
     */
    public int receive(NfqBatch batch, int timeoutMillis) throws LinuxException {
        batch.clear();
        if (closed) throw new LinuxException("queue is closed", Errno.EBADF);
        if (!socket.awaitReadable(timeoutMillis)) return 0;
        return drain(batch);
    }

    /**
     * Drains what is waiting now into {@code batch}, without waiting: for a caller told by its own poller (an event
     * loop's epoll, {@link #fd}) that the socket is readable. Returns the number of packets, 0 when none waited.
     */
    public int receiveNow(NfqBatch batch) throws LinuxException {
        batch.clear();
        if (closed) throw new LinuxException("queue is closed", Errno.EBADF);
        return drain(batch);
    }

    /** The socket's file descriptor, to be polled for input (owned here: closed by {@link #close}). */
    public int fd() { return socket.fd(); }

    private int drain(NfqBatch batch) throws LinuxException {
        MemorySegment buf = batch.buffer;
        long offset = 0;
        int flags = 0;
        while (batch.size < batch.capacity() && buf.byteSize() - offset >= NfqBatch.MAX_DATAGRAM) {
            int n;
            try {
                n = socket.receiveInto(buf.asSlice(offset, NfqBatch.MAX_DATAGRAM), flags | Libc.MSG_DONTWAIT);
            } catch (LinuxException e) {
                if (!e.is(Errno.ENOBUFS)) throw e;
                overruns.incrementAndGet();
                continue;
            }
            if (n < 0) break;
            readDatagram(batch, buf, offset, n);
            offset += NetlinkH.align(n);
        }
        return batch.size;
    }

    private static void readDatagram(NfqBatch batch, MemorySegment buf, long offset, int n) {
        long pos = offset, end = offset + n;
        while (end - pos >= NetlinkH.NLMSG_HDRLEN) {
            int len = buf.get(NATIVE_INT, pos);
            int type = Short.toUnsignedInt(buf.get(NATIVE_SHORT, pos + 4));
            if (len < NetlinkH.NLMSG_HDRLEN || len > end - pos) {
                log.warn("dropping a malformed queue datagram: nlmsg_len {} at {}", Integer.toUnsignedString(len), pos - offset);
                return;
            }
            if (type == PACKET_TYPE && batch.size < batch.capacity()) {
                try {
                    batch.slot(batch.size).parse(buf, pos, len);
                    batch.size++;
                } catch (NetlinkFormatException e) {
                    log.warn("dropping a malformed queue message: {}", e.getMessage());
                }
            } else if (type == NetlinkH.NLMSG_ERROR && len >= NetlinkH.NLMSG_HDRLEN + 4) {
                int error = buf.get(NATIVE_INT, pos + NetlinkH.NLMSG_HDRLEN);
                if (error != 0) {
                    batch.errors++;
                    batch.lastErrno = -error;
                }
            }
            pos += Math.min(NetlinkH.align(len), end - pos);
        }
    }

    /**
     * Appends a verdict, flushing first when the buffer is full.
     *
     * @param hasMark     whether to set the packet mark to {@code mark}
     * @param replacement the new packet bytes, or null
     */
    public void verdict(int packetId, int verdict, boolean hasMark, int mark, MemorySegment replacement) throws LinuxException {
        int len = replacement == null ? 0 : (int) replacement.byteSize();
        synchronized (writer) {
            if (!writer.fits(len)) flushLocked();
            writer.verdict(seq.getAndIncrement(), config.queue(), packetId, verdict, hasMark, mark, replacement);
        }
    }

    /** Appends one verdict for every packet queued with an id up to {@code maxPacketId} ({@code NFQNL_MSG_VERDICT_BATCH}). */
    public void batchVerdict(int maxPacketId, int verdict, boolean hasMark, int mark) throws LinuxException {
        synchronized (writer) {
            if (!writer.fits(0)) flushLocked();
            writer.batch(seq.getAndIncrement(), config.queue(), maxPacketId, verdict, hasMark, mark);
        }
    }

    /** Sends every appended verdict in one datagram. */
    public void flush() throws LinuxException {
        synchronized (writer) {
            flushLocked();
        }
    }

    private void flushLocked() throws LinuxException {
        if (writer.length() == 0) return;
        try {
            socket.send(writer.buffer(), writer.length());
        } finally {
            writer.reset();
        }
    }

    /** Unbinds and closes. Packets still queued are dropped by the kernel when the socket goes. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        synchronized (writer) {
            try {
                flushLocked();
                socket.send(NfqConfigRequests.unbind(seq.getAndIncrement(), config.queue()));
            } catch (LinuxException e) {
                log.debug("unbinding queue {}: {}", config.queue(), e.getMessage());
            } finally {
                socket.close();
                arena.close();
            }
        }
    }
}
