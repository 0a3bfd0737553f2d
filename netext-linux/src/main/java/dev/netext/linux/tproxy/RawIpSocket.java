package dev.netext.linux.tproxy;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A raw IP socket that sends whole packets, IP header included ({@code IPPROTO_RAW} implies {@code IP_HDRINCL},
 * and since Linux 4.5 {@code IPV6_HDRINCL}): how netext answers for an address that is not its own, such as an
 * ICMP port unreachable from a dropped UDP flow's original destination. The kernel fills the IPv4 header checksum
 * and total length; everything else is the caller's. Carries netext's bypass mark. Thread-safe (one sendto per call).
 */
public final class RawIpSocket implements AutoCloseable {
    static final int IPPROTO_RAW = 255;

    private final int fd;
    private final boolean v6;
    private volatile boolean closed;

    private RawIpSocket(int fd, boolean v6) {
        this.fd = fd;
        this.v6 = v6;
    }

    /** Opens an IPv4 or IPv6 raw socket in the calling thread's network namespace (needs CAP_NET_RAW). */
    public static RawIpSocket open(boolean v6, int mark) throws LinuxException {
        int fd = Libc.socket(v6 ? SockAddr.AF_INET6 : SockAddr.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, IPPROTO_RAW);
        try {
            if (mark != 0) Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_MARK, mark);
            return new RawIpSocket(fd, v6);
        } catch (LinuxException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public boolean ipv6() { return v6; }

    /** Sends {@code packet} (a complete IP packet of this socket's family) toward {@code destination}. */
    public void send(byte[] packet, InetAddress destination) throws LinuxException {
        if (closed) throw new IllegalStateException("closed");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SockAddr.IN6_LEN, 8);
            int len = SockAddr.write(sa, new InetSocketAddress(destination, 0));
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, packet);
            Libc.sendto(fd, buf, packet.length, 0, sa.asSlice(0, len));
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
    }
}
