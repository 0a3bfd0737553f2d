package dev.netext.linux.tproxy;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The socket TPROXY hands intercepted UDP to: bound to a loopback address, {@code IP_TRANSPARENT} (so tproxy may
 * assign it datagrams for any address), {@code IP_RECVORIGDSTADDR} / {@code IPV6_RECVORIGDSTADDR} (so each datagram
 * says where it was going), netext's bypass mark. Netty's epoll transport parses only the IPv4 form of the original
 * destination, so both families are read here, one {@code recvmsg} per datagram, on the caller's thread.
 *
 * <p>{@link #receive} blocks in {@code poll} on the socket and an eventfd; {@link #close} from any thread wakes it.
 * Owns the socket, the eventfd and one confined-to-the-reader set of buffers.
 */
public final class TransparentUdpListener implements AutoCloseable {
    static final int SOL_IP = 0, IP_TRANSPARENT = 19, IP_RECVORIGDSTADDR = 20;
    static final int SOL_IPV6 = 41, IPV6_RECVORIGDSTADDR = 74, IPV6_TRANSPARENT = 75;
    /** struct msghdr (64-bit): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48. */
    static final int MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32,
            MSG_CONTROLLEN = 40, MSG_FLAGS = 48, MSGHDR_SIZE = 56;
    static final int MSG_TRUNC = 0x20;
    public static final int MAX_DATAGRAM = 65_535;

    /** One received datagram: who sent it, where it was going, its bytes. */
    public record Datagram(InetSocketAddress sender, InetSocketAddress originalDestination, byte[] data) {}

    private final int fd, wake;
    private final InetSocketAddress local;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment msghdr, name, iov, control, buffer, pollfds;
    private volatile boolean closed;

    private TransparentUdpListener(int fd, int wake, InetSocketAddress local) {
        this.fd = fd;
        this.wake = wake;
        this.local = local;
        msghdr = arena.allocate(MSGHDR_SIZE, 8);
        name = arena.allocate(SockAddr.IN6_LEN, 8);
        iov = arena.allocate(Libc.IOVEC);
        control = arena.allocate(256, 8);
        buffer = arena.allocate(MAX_DATAGRAM);
        pollfds = arena.allocate(Libc.POLLFD, 2);
        iov.set(ADDRESS, 0, buffer);
        iov.set(JAVA_LONG, 8, buffer.byteSize());
    }

    /** Binds {@code at} (port 0: any) in the calling thread's network namespace. */
    public static TransparentUdpListener bind(InetSocketAddress at, int bypassMark, int receiveBuffer) throws LinuxException {
        boolean v6 = at.getAddress() instanceof Inet6Address;
        int fd = Libc.socket(v6 ? SockAddr.AF_INET6 : SockAddr.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        int wake = -1;
        try {
            if (v6) {
                Libc.setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, 1);
                Libc.setsockopt(fd, SOL_IPV6, IPV6_RECVORIGDSTADDR, 1);
            } else {
                Libc.setsockopt(fd, SOL_IP, IP_TRANSPARENT, 1);
                Libc.setsockopt(fd, SOL_IP, IP_RECVORIGDSTADDR, 1);
            }
            if (bypassMark != 0) Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_MARK, bypassMark);
            if (receiveBuffer > 0) Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, receiveBuffer);
            InetSocketAddress bound;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment sa = a.allocate(SockAddr.IN6_LEN, 8);
                int len = SockAddr.write(sa, at);
                Libc.bind(fd, sa.asSlice(0, len));
                int got = Libc.getsockname(fd, sa);
                bound = SockAddr.read(sa, got);
            }
            wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            return new TransparentUdpListener(fd, wake, bound);
        } catch (LinuxException | RuntimeException e) {
            Libc.close(fd);
            if (wake >= 0) Libc.close(wake);
            throw e;
        }
    }

    public InetSocketAddress localAddress() { return local; }

    /**
     * The next datagram, blocking until one arrives; null once {@link #close}d. Datagrams without an original
     * destination (not from tproxy) or truncated ones are skipped. One reader thread at a time.
     */
    public Datagram receive() throws LinuxException {
        while (!closed) {
            msghdr.fill((byte) 0);
            msghdr.set(ADDRESS, MSG_NAME, name);
            msghdr.set(JAVA_INT, MSG_NAMELEN, (int) name.byteSize());
            msghdr.set(ADDRESS, MSG_IOV, iov);
            msghdr.set(JAVA_LONG, MSG_IOVLEN, 1);
            msghdr.set(ADDRESS, MSG_CONTROL, control);
            msghdr.set(JAVA_LONG, MSG_CONTROLLEN, control.byteSize());
            int n = Libc.recvmsg(fd, msghdr, 0);
            if (n < 0) {
                await();
                continue;
            }
            if ((msghdr.get(JAVA_INT, MSG_FLAGS) & MSG_TRUNC) != 0) continue;
            InetSocketAddress sender = SockAddr.read(name, msghdr.get(JAVA_INT, MSG_NAMELEN));
            InetSocketAddress original = OriginalDestination.find(control, msghdr.get(JAVA_LONG, MSG_CONTROLLEN));
            if (sender == null || original == null) continue;
            return new Datagram(sender, original, buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
        return null;
    }

    private void await() throws LinuxException {
        pollfds.set(JAVA_INT, 0, fd);
        pollfds.set(JAVA_SHORT, 4, Libc.POLLIN);
        pollfds.set(JAVA_SHORT, 6, (short) 0);
        pollfds.set(JAVA_INT, 8, wake);
        pollfds.set(JAVA_SHORT, 12, Libc.POLLIN);
        pollfds.set(JAVA_SHORT, 14, (short) 0);
        Libc.poll(pollfds, 2, -1);
    }

    /** Wakes a blocked {@link #receive} (which returns null) and closes the socket once it has returned. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            Libc.write(wake, a.allocateFrom(JAVA_LONG, 1L), 8);
        } catch (LinuxException e) {
            // the reader will still see closed at its next wake-up
        }
    }

    /** Frees the socket and buffers; call after the reader thread has ended. */
    public void release() {
        close();
        Libc.close(fd);
        Libc.close(wake);
        arena.close();
    }
}
