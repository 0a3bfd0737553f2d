package dev.netext.linux.ffm;

import dev.netext.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.netext.linux.ffm.Downcalls.CAPTURED;
import static dev.netext.linux.ffm.Downcalls.checked;
import static dev.netext.linux.ffm.Downcalls.errno;
import static dev.netext.linux.ffm.Downcalls.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The C library calls netext makes, through the FFM API (each bound on its first use: {@link LibcCalls}). Every call that can fail captures errno in the same
 * downcall (a later Java call could overwrite it) and throws {@link LinuxException} naming the operation.
 *
 * <p>Calls that block (read, poll, recv) are made from platform threads: a blocked downcall pins its carrier.
 */
public final class Libc {
    private Libc() {}

    // fcntl.h, sys/socket.h, linux/netlink.h, poll.h, sys/eventfd.h, sched.h
    public static final int O_RDONLY = 0, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public static final int F_GETFL = 3, F_SETFL = 4;
    public static final int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16;
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_SNDBUF = 7, SO_MARK = 36, SO_RCVBUFFORCE = 33;
    /** The socket's network namespace cookie, a 64-bit id never reused during a boot (Linux 5.14+). */
    public static final int SO_NETNS_COOKIE = 71;
    public static final int SOL_NETLINK = 270, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12;
    public static final short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int MSG_DONTWAIT = 0x40;

    /** struct iovec { void *iov_base; size_t iov_len; } */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    /** struct pollfd { int fd; short events; short revents; } */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    /**
     * Binds the calls a tunnel's start makes, in the order its main thread first makes them, so that a warm-up thread
     * can do it while the main thread does other work (dev.netext.cli.StartupWarmup); each call is otherwise bound on
     * its first use ({@link LibcCalls}).
     */
    public static void bindTunnelCalls() {
        LibcCalls.bindTunnelCalls();
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) LibcCalls.Strerror.HANDLE.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    public static int getpid() {
        try {
            return (int) LibcCalls.Getpid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            return checked("open " + path, (int) LibcCalls.Open.HANDLE.invokeExact(st, a.allocateFrom(path), flags), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes {@code fd}, ignoring errors: close is only called once per fd, by its owner. */
    public static void close(int fd) {
        if (fd < 0) return;
        try {
            int ignored = (int) LibcCalls.Close.HANDLE.invokeExact(CAPTURED.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2). Returns bytes read, or -1 for EAGAIN on a non-blocking fd. */
    public static int read(int fd, MemorySegment buf, long len) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Read.HANDLE.invokeExact(st, fd, buf, len);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("read", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2). Returns bytes written, or -1 for EAGAIN on a non-blocking fd. */
    public static int write(int fd, MemorySegment buf, long len) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Write.HANDLE.invokeExact(st, fd, buf, len);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("write", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** readv(2) into {@code count} {@link #IOVEC}s. Returns bytes read, or -1 for EAGAIN on a non-blocking fd. */
    public static int readv(int fd, MemorySegment iov, int count) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Readv.HANDLE.invokeExact(st, fd, iov, count);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("readv", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** writev(2) from {@code count} {@link #IOVEC}s. Returns bytes written, or -1 for EAGAIN on a non-blocking fd. */
    public static int writev(int fd, MemorySegment iov, int count) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Writev.HANDLE.invokeExact(st, fd, iov, count);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("writev", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(String op, int fd, long request, MemorySegment arg) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            return checked(op, (int) LibcCalls.IoctlPtr.HANDLE.invokeExact(st, fd, request, arg), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(String op, int fd, long request, long arg) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            return checked(op, (int) LibcCalls.IoctlInt.HANDLE.invokeExact(st, fd, request, arg), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setNonBlocking(int fd) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            int flags = checked("fcntl F_GETFL", (int) LibcCalls.Fcntl.HANDLE.invokeExact(st, fd, F_GETFL, 0), st);
            checked("fcntl F_SETFL", (int) LibcCalls.Fcntl.HANDLE.invokeExact(st, fd, F_SETFL, flags | O_NONBLOCK), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2) on an array of {@link #POLLFD}. Returns ready count; 0 on timeout or EINTR. */
    public static int poll(MemorySegment fds, int count, int timeoutMillis) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            int rc = (int) LibcCalls.Poll.HANDLE.invokeExact(st, fds, (long) count, timeoutMillis);
            if (rc >= 0) return rc;
            int e = errno(st);
            if (e == 4) return 0;
            throw new LinuxException("poll", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(int initval, int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            return checked("eventfd", (int) LibcCalls.Eventfd.HANDLE.invokeExact(st, initval, flags), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socket(int domain, int type, int protocol) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            return checked("socket", (int) LibcCalls.Socket.HANDLE.invokeExact(st, domain, type, protocol), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void bind(int fd, MemorySegment addr) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            checked("bind", (int) LibcCalls.Bind.HANDLE.invokeExact(st, fd, addr, (int) addr.byteSize()), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getsockname(2) into {@code addr}; returns the address length. */
    public static int getsockname(int fd, MemorySegment addr) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment len = a.allocateFrom(JAVA_INT, (int) addr.byteSize());
            checked("getsockname", (int) LibcCalls.Getsockname.HANDLE.invokeExact(st, fd, addr, len), st);
            return len.get(JAVA_INT, 0);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Sendto.HANDLE.invokeExact(st, fd, buf, len, flags, addr, addr == null || addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize());
            if (n < 0) throw new LinuxException("sendto", errno(st));
            return (int) n;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recv(2). Returns bytes received, or -1 for EAGAIN (non-blocking socket or MSG_DONTWAIT). */
    public static int recv(int fd, MemorySegment buf, long len, int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Recv.HANDLE.invokeExact(st, fd, buf, len, flags);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("recv", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * recvmsg(2) with a caller-built {@code struct msghdr}. Returns bytes received, or -1 for EAGAIN (non-blocking
     * socket or MSG_DONTWAIT); the kernel updates the header's name and control lengths and flags in place.
     */
    public static int recvmsg(int fd, MemorySegment msghdr, int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            long n = (long) LibcCalls.Recvmsg.HANDLE.invokeExact(st, fd, msghdr, flags);
            if (n >= 0) return (int) n;
            int e = errno(st);
            if (e == 11) return -1;
            throw new LinuxException("recvmsg", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setsockopt(int fd, int level, int name, int value) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocateFrom(JAVA_INT, value);
            checked("setsockopt " + level + "/" + name, (int) LibcCalls.Setsockopt.HANDLE.invokeExact(st, fd, level, name, v, 4), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * getsockopt(2) into {@code out} (its size is the buffer length); returns the length the kernel wrote. For
     * structures such as TCP_INFO that grow between kernel versions: read only what the returned length covers.
     */
    public static int getsockopt(int fd, int level, int name, MemorySegment out) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment len = a.allocateFrom(JAVA_INT, (int) out.byteSize());
            checked("getsockopt " + level + "/" + name, (int) LibcCalls.Getsockopt.HANDLE.invokeExact(st, fd, level, name, out, len), st);
            return len.get(JAVA_INT, 0);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2): moves the calling thread into the namespace behind {@code fd}. */
    public static void setns(int fd, int nstype) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            checked("setns", (int) LibcCalls.Setns.HANDLE.invokeExact(st, fd, nstype), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // fcntl.h (F_SETPIPE_SZ, F_GETPIPE_SZ), fcntl.h splice flags, sys/socket.h shutdown
    public static final int F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;
    public static final int SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2;
    public static final int SHUT_RD = 0, SHUT_WR = 1;

    /** fcntl(2) with an int argument; returns its result. */
    public static int fcntl(int fd, int cmd, int arg) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            return checked("fcntl", (int) LibcCalls.Fcntl.HANDLE.invokeExact(st, fd, cmd, arg), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pipe2(2): {read end, write end}. */
    public static int[] pipe2(int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            checked("pipe2", (int) LibcCalls.Pipe2.HANDLE.invokeExact(st, fds, flags), st);
            return new int[]{fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * splice(2) without offsets (a socket or pipe on both ends). Returns bytes moved, 0 at end of input, or -1 for
     * EAGAIN; retried on EINTR (an edge-triggered caller would otherwise wait for an event that already came).
     */
    public static long splice(int in, int out, long len, int flags) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            while (true) {
                long n = (long) LibcCalls.Splice.HANDLE.invokeExact(st, in, MemorySegment.NULL, out, MemorySegment.NULL, len, flags);
                if (n >= 0) return n;
                int e = errno(st);
                if (e == 11) return -1;
                if (e != 4) throw new LinuxException("splice", e);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** shutdown(2). */
    public static void shutdown(int fd, int how) throws LinuxException {
        MemorySegment st = CAPTURED.get();
        try {
            checked("shutdown", (int) LibcCalls.Shutdown.HANDLE.invokeExact(st, fd, how), st);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Makes a {@code sockaddr_nl} for binding a netlink socket to {@code groups}. */
    public static MemorySegment sockaddrNl(Arena arena, int pid, int groups) {
        MemorySegment sa = arena.allocate(12, 4);
        sa.set(JAVA_SHORT, 0, (short) AF_NETLINK);
        sa.set(JAVA_INT, 4, pid);
        sa.set(JAVA_INT, 8, groups);
        return sa;
    }

}
