package dev.netext.linux.nflog;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.netlink.NetlinkFormatException;
import dev.netext.linux.netlink.NetlinkSocket;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.netlink.NlParser;
import dev.netext.linux.netlink.NlReplies;
import dev.netext.linux.nfqueue.NfnetlinkH;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * One nfnetlink_log group, bound over {@code NETLINK_NETFILTER} in the calling thread's network namespace: the
 * kernel sends every packet an nftables {@code log group N} rule matches, copied up to the copy range, one netlink
 * message per packet (queue threshold 1, no flush delay).
 *
 * <pre>
 *   open(group) → bind (EPERM when another socket holds the group) → receive(timeout, sink)* → close (unbind)
 * </pre>
 *
 * A malformed message is counted ({@link #malformed()}) and skipped; a datagram lost to a full receive buffer is
 * counted by the kernel's {@code ENOBUFS}, reported here as {@link #overruns()}. Not thread-safe: one reader.
 */
public final class NflogSocket implements AutoCloseable {
    private static final int ACK_TIMEOUT_MILLIS = 2000;
    /** One packet of up to 64 KiB plus its attributes fits: a truncated datagram could not be trusted. */
    private static final int RECEIVE_BUFFER = 128 * 1024;

    private final NetlinkSocket socket;
    private final int group;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(RECEIVE_BUFFER, 8);
    private int seq = 1;
    private long malformed, overruns;

    private NflogSocket(NetlinkSocket socket, int group) {
        this.socket = socket;
        this.group = group;
    }

    /**
     * Binds {@code group}, copying up to {@code copyRange} bytes of each packet.
     *
     * @throws LinuxException {@code EPERM} when another socket holds the group (nfnetlink_log answers a bind from
     *                        another port id so) or without CAP_NET_ADMIN
     */
    public static NflogSocket open(int group, int copyRange) throws LinuxException {
        if (copyRange < 1 || copyRange > 0xffff) throw new IllegalArgumentException("copy range " + copyRange + " outside 1..65535");
        NetlinkSocket s = NetlinkSocket.open(NfnetlinkH.NETLINK_NETFILTER, 0, false);
        NflogSocket n = new NflogSocket(s, group);
        try {
            s.setOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, 4 << 20);
            n.request(NflogConfigRequests.bind(n.seq++, group, copyRange), "bind nflog group " + group);
            return n;
        } catch (LinuxException | RuntimeException e) {
            n.closeQuietly();
            throw e;
        }
    }

    public int group() { return group; }

    /** Messages that could not be parsed (skipped). */
    public long malformed() { return malformed; }

    /** Times the kernel reported packets lost for lack of receive buffer. */
    public long overruns() { return overruns; }

    /**
     * Waits up to {@code timeoutMillis} for packets, then hands every packet of the waiting datagrams to {@code sink};
     * returns how many it handed over (0 on timeout).
     */
    public int receive(int timeoutMillis, Consumer<NflogPacket> sink) throws LinuxException {
        if (!socket.awaitReadable(timeoutMillis)) return 0;
        int delivered = 0;
        while (true) {
            int n;
            try {
                n = socket.receiveInto(buffer, Libc.MSG_DONTWAIT);
            } catch (LinuxException e) {
                if (!e.is(Errno.ENOBUFS)) throw e;
                overruns++;
                continue;
            } catch (NetlinkFormatException e) {
                malformed++;
                continue;
            }
            if (n < 0) return delivered;
            ByteBuffer datagram = buffer.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
            delivered += deliverAll(datagram, sink, this);
        }
    }

    /**
     * Parses one datagram's messages, handing each packet to {@code sink} and counting malformed ones on
     * {@code counter} (may be null); never throws on bad bytes. Package-private for the fuzz test.
     */
    static int deliverAll(ByteBuffer datagram, Consumer<NflogPacket> sink, NflogSocket counter) {
        int delivered = 0;
        NlParser parser = new NlParser(datagram);
        try {
            while (parser.hasNext()) {
                NlMessage m = parser.next();
                if (m.type() != NflogH.PACKET_TYPE) continue; // acks of late requests, NLMSG_DONE
                try {
                    sink.accept(NflogPacket.parse(m));
                    delivered++;
                } catch (NetlinkFormatException e) {
                    if (counter != null) counter.malformed++;
                }
            }
        } catch (NetlinkFormatException e) {
            if (counter != null) counter.malformed++; // the rest of the datagram cannot be framed
        }
        return delivered;
    }

    /** Sends a configuration message and waits for its ACK. */
    private void request(ByteBuffer msg, String what) throws LinuxException {
        socket.request(msg, what, ACK_TIMEOUT_MILLIS, NlReplies.ACK);
    }

    /** Unbinds the group (best effort: closing the socket releases it too) and closes the socket. */
    @Override
    public void close() {
        try {
            socket.send(NflogConfigRequests.unbind(seq++, group));
        } catch (LinuxException | RuntimeException ignored) {
            // the socket's close below releases the group anyway
        }
        closeQuietly();
    }

    private void closeQuietly() {
        socket.close();
        arena.close();
    }
}
