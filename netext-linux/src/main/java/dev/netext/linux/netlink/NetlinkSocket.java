package dev.netext.linux.netlink;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;

import static dev.netext.linux.netlink.NetlinkH.NLMSG_DONE;
import static dev.netext.linux.netlink.NetlinkH.NLMSG_ERROR;
import static dev.netext.linux.netlink.NetlinkH.NLMSG_MIN_TYPE;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_DUMP_INTR;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An {@code AF_NETLINK} datagram socket ({@code linux/netlink.h}): bind to a port id chosen by the kernel and to
 * multicast groups, send whole messages to the kernel, receive one datagram at a time. The socket stays in the
 * network namespace of the thread that opened it. {@link #request} is the request/answer loop every netlink client
 * needs (rtnetlink, sock_diag, nfnetlink queue and log). Requests may come from any thread: they are serialised, and
 * {@link #close} waits for the one in flight. Everything else is not thread-safe; owners serialise access.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** Large enough for any rtnetlink datagram: dumps fill at most about 32 KiB per datagram. */
    static final int RECV_BUFFER = 64 * 1024;
    private static final int MSG_TRUNC = 0x20; // sys/socket.h

    private final int fd;
    private final int portId;
    private final MemorySegment recvBuf = Arena.ofAuto().allocate(RECV_BUFFER, 8);
    private final MemorySegment kernel = Libc.sockaddrNl(Arena.ofAuto(), 0, 0);
    private final MemorySegment pollFd = Arena.ofAuto().allocate(Libc.POLLFD);
    private final ReentrantLock requestLock = new ReentrantLock();
    private int seq = (int) (System.nanoTime() & 0x3FFFFFFF); // guarded by requestLock
    private volatile boolean closed;

    private NetlinkSocket(int fd, int portId) {
        this.fd = fd;
        this.portId = portId;
    }

    /**
     * Opens and binds a socket of netlink {@code protocol} (e.g. {@link NetlinkH#NETLINK_ROUTE}) joined to the
     * {@code groups} bitmask (e.g. {@code RTMGRP_*}, 0 for none).
     */
    public static NetlinkSocket open(int protocol, int groups, boolean nonBlocking) throws LinuxException {
        int type = Libc.SOCK_RAW | Libc.SOCK_CLOEXEC | (nonBlocking ? Libc.SOCK_NONBLOCK : 0);
        int fd = Libc.socket(Libc.AF_NETLINK, type, protocol);
        try (Arena a = Arena.ofConfined()) {
            Libc.bind(fd, Libc.sockaddrNl(a, 0, groups));
            MemorySegment sa = a.allocate(12, 4);
            Libc.getsockname(fd, sa);
            return new NetlinkSocket(fd, sa.get(JAVA_INT, 4));
        } catch (LinuxException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public int fd() { return fd; }

    /** The port id ({@code nl_pid}) the kernel assigned at bind. */
    public int portId() { return portId; }

    public void setOption(int level, int name, int value) throws LinuxException {
        Libc.setsockopt(fd, level, name, value);
    }

    /** Sends one message (position to limit of {@code msg}) to the kernel. */
    public void send(ByteBuffer msg) throws LinuxException {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(Math.max(1, msg.remaining()), 8);
            seg.copyFrom(MemorySegment.ofBuffer(msg));
            int n = Libc.sendto(fd, seg, msg.remaining(), 0, kernel);
            if (n != msg.remaining()) throw new LinuxException("sendto: short write of " + n + " bytes", Errno.EIO);
        }
    }

    /** Waits up to {@code timeoutMillis} (-1 forever) for a datagram; false on timeout. */
    public boolean awaitReadable(int timeoutMillis) throws LinuxException {
        ensureOpen();
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, Libc.POLLIN);
        pollFd.set(JAVA_SHORT, 6, (short) 0);
        return Libc.poll(pollFd, 1, timeoutMillis) > 0;
    }

    /**
     * Receives one datagram into a fresh native-order buffer; null if none is waiting on a non-blocking socket.
     * Throws {@link LinuxException} with {@code ENOBUFS} when the kernel dropped messages for lack of buffer space.
     */
    public ByteBuffer receive() throws LinuxException {
        ensureOpen();
        int n = Libc.recv(fd, recvBuf, RECV_BUFFER, MSG_TRUNC);
        if (n < 0) return null;
        if (n > RECV_BUFFER) throw new NetlinkFormatException("datagram of " + n + " bytes truncated to " + RECV_BUFFER);
        byte[] data = recvBuf.asSlice(0, n).toArray(JAVA_BYTE);
        return ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
    }

    /**
     * Sends {@code len} bytes of {@code msg} (one or more whole messages, back to back) to the kernel without
     * copying: the hot path of queue verdicts, where the caller owns a native buffer.
     */
    public void send(MemorySegment msg, long len) throws LinuxException {
        ensureOpen();
        int n = Libc.sendto(fd, msg, len, 0, kernel);
        if (n != len) throw new LinuxException("sendto: short write of " + n + " bytes", Errno.EIO);
    }

    /**
     * Receives one datagram into {@code buf} (no copy, no allocation); returns its length, or -1 when none is waiting
     * and {@code flags} has {@link Libc#MSG_DONTWAIT} or the socket is non-blocking. A datagram longer than
     * {@code buf} raises {@link NetlinkFormatException}: it was truncated and its messages cannot be trusted.
     */
    public int receiveInto(MemorySegment buf, int flags) throws LinuxException {
        ensureOpen();
        int n = Libc.recv(fd, buf, buf.byteSize(), flags | MSG_TRUNC);
        if (n > buf.byteSize()) throw new NetlinkFormatException("datagram of " + n + " bytes truncated to " + buf.byteSize());
        return n;
    }

    /**
     * Sends {@code request} (one whole message, its {@code nlmsg_seq} set) and reads its answer, waiting at most
     * {@code timeoutMillis} for all of it. Only messages with the request's sequence number (and this port id or the
     * kernel's 0) count: answers to earlier, timed-out requests and multicast are skipped. Data messages go to
     * {@code replies}, which may end the answer at a single reply; {@code NLMSG_ERROR} ends it, as an ACK (error 0)
     * or as {@link LinuxException} with the errno's name and the kernel's extended-ACK text; {@code NLMSG_DONE} ends
     * a dump, with the error that stopped it if its payload carries one.
     *
     * @return whether a message of the answer carried {@code NLM_F_DUMP_INTR}: the dumped table changed meanwhile,
     *         ask again for a consistent view
     * @throws LinuxException {@code ETIMEDOUT} when the answer did not complete in time; {@code EIO} when a reply
     *                        cannot be framed or decoded
     */
    public boolean request(ByteBuffer request, String what, int timeoutMillis, NlReplies replies) throws LinuxException {
        requestLock.lock();
        try {
            return exchange(request, what, timeoutMillis, replies);
        } finally {
            requestLock.unlock();
        }
    }

    /** {@link #request(ByteBuffer, String, int, NlReplies)} of {@code request} with the socket's next sequence number. */
    public boolean request(NlMessageBuilder request, String what, int timeoutMillis, NlReplies replies)
            throws LinuxException {
        requestLock.lock();
        try {
            seq = (seq + 1) & 0x7FFFFFFF;
            if (seq == 0) seq = 1;
            return exchange(request.build(seq, portId), what, timeoutMillis, replies);
        } finally {
            requestLock.unlock();
        }
    }

    private boolean exchange(ByteBuffer request, String what, int timeoutMillis, NlReplies replies)
            throws LinuxException {
        int requestSeq = request.getInt(request.position() + 8); // nlmsghdr.nlmsg_seq
        send(request);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        boolean interrupted = false;
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !awaitReadable((int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)))
                    throw new LinuxException(what + ": no answer from the kernel in " + timeoutMillis + " ms",
                            Errno.ETIMEDOUT);
                int n = receiveInto(recvBuf, Libc.MSG_DONTWAIT);
                if (n < 0) continue;
                NlParser messages = new NlParser(recvBuf.asSlice(0, n).asByteBuffer());
                while (messages.hasNext()) {
                    NlMessage m = messages.next();
                    if (m.seq() != requestSeq || m.pid() != portId && m.pid() != 0) continue;
                    if (m.hasFlag(NLM_F_DUMP_INTR)) interrupted = true;
                    if (m.type() == NLMSG_ERROR) {
                        NlError e = m.error();
                        if (e.isAck() || replies.meansNone(e.errno())) return interrupted;
                        throw new LinuxException(what, e.errno(), e.message());
                    }
                    if (m.type() == NLMSG_DONE) {
                        // a dump may end with the error that stopped it: int error after the header
                        int error = m.payload().limit() >= 4 ? m.payload().getInt(0) : 0;
                        if (error < 0 && !replies.meansNone(-error)) throw new LinuxException(what, -error);
                        return interrupted;
                    }
                    if (m.type() >= NLMSG_MIN_TYPE && replies.accept(m)) return interrupted;
                }
            }
        } catch (NetlinkFormatException e) {
            throw new LinuxException(what + ": malformed reply: " + e.getMessage(), Errno.EIO);
        }
    }

    /** After close the fd number may belong to another file: never touch it again. */
    private void ensureOpen() throws LinuxException {
        if (closed) throw new LinuxException("netlink socket is closed", Errno.EBADF);
    }

    @Override
    public void close() {
        requestLock.lock(); // a request in flight ends first (within its timeout): its fd must stay this socket's
        try {
            if (closed) return;
            closed = true;
            Libc.close(fd);
        } finally {
            requestLock.unlock();
        }
    }
}
