package dev.netext.linux.splice;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

/**
 * One direction of a kernel relay between two sockets: a non-blocking pipe that {@code splice(2)} fills from one
 * socket and drains into the other, so the bytes move as page references and never reach user space.
 *
 * <p>The pipe is enlarged to the size asked for ({@code F_SETPIPE_SZ}), within {@code /proc/sys/fs/pipe-max-size}
 * (1 MiB by default; root may exceed it): a default pipe holds 16 pages, so every 64 KiB would cost a wake-up and two
 * system calls. When the kernel refuses, the pipe keeps the largest size it granted.
 *
 * <p>Owns the two pipe fds; not thread-safe (one event loop drives it).
 */
public final class SplicePipe implements AutoCloseable {
    /** Returned by {@link #fill} and {@link #drain} when the socket (or the pipe) would block. */
    public static final long AGAIN = -1;
    private static final int FLAGS = Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK;

    private final int readEnd, writeEnd, size;
    private long held;
    private boolean closed;

    private SplicePipe(int readEnd, int writeEnd, int size) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
        this.size = size;
    }

    /** A pipe of about {@code size} bytes (rounded up to pages by the kernel; smaller if refused). */
    public static SplicePipe open(int size) throws LinuxException {
        int[] fds = Libc.pipe2(Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try {
            int granted = Libc.fcntl(fds[1], Libc.F_GETPIPE_SZ, 0);
            for (int want = size; want > granted; want >>= 1) {
                try {
                    granted = Libc.fcntl(fds[1], Libc.F_SETPIPE_SZ, want);
                    break;
                } catch (LinuxException e) {
                    // EPERM above pipe-max-size, or ENOMEM: try half
                }
            }
            return new SplicePipe(fds[0], fds[1], granted);
        } catch (LinuxException | RuntimeException e) {
            Libc.close(fds[0]);
            Libc.close(fds[1]);
            throw e;
        }
    }

    /** The pipe's capacity in bytes. */
    public int size() { return size; }

    /** Bytes in the pipe, spliced in and not yet out. */
    public long held() { return held; }

    /**
     * Moves up to {@code max} bytes from socket {@code fd} into the pipe: the count, 0 at the end of the socket's
     * input (FIN), or {@link #AGAIN} when the socket has nothing now or the pipe is full.
     */
    public long fill(int fd, long max) throws LinuxException {
        long n = Libc.splice(fd, writeEnd, max, FLAGS);
        if (n > 0) held += n;
        return n;
    }

    /** Moves what the pipe holds into socket {@code fd}: the count, or {@link #AGAIN} when the socket is full. */
    public long drain(int fd) throws LinuxException {
        if (held == 0) return 0;
        long n = Libc.splice(readEnd, fd, held, FLAGS);
        if (n > 0) held -= n;
        return n;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.close(readEnd);
        Libc.close(writeEnd);
    }
}
