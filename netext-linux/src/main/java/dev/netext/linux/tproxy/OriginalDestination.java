package dev.netext.linux.tproxy;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Finds a TPROXY'd datagram's original destination in the control messages {@code recvmsg} returned
 * ({@code IP_ORIGDSTADDR} or {@code IPV6_ORIGDSTADDR}, enabled by {@code IP_RECVORIGDSTADDR} /
 * {@code IPV6_RECVORIGDSTADDR}; {@code net/ipv4/ip_sockglue.c} {@code ip_cmsg_recv_dstaddr},
 * {@code net/ipv6/datagram.c}). Layout ({@code bits/socket.h}, 64-bit):
 * <pre>
 * struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; }   data at 16
 * next header at CMSG_ALIGN(cmsg_len), CMSG_ALIGN rounding up to 8
 * </pre>
 * Every length is checked against the buffer: bad input yields null, never an exception.
 */
public final class OriginalDestination {
    public static final int SOL_IP = 0, IP_ORIGDSTADDR = 20, SOL_IPV6 = 41, IPV6_ORIGDSTADDR = 74;
    static final int CMSG_LEN = 0, CMSG_LEVEL = 8, CMSG_TYPE = 12, CMSG_DATA = 16, ALIGN = 8;

    private OriginalDestination() {}

    /** The original destination in {@code control[0, len)}, or null when there is none (or it is malformed). */
    public static InetSocketAddress find(MemorySegment control, long len) {
        if (len < 0 || len > control.byteSize()) return null;
        long at = 0;
        while (at + CMSG_DATA <= len) {
            long cmsgLen = control.get(JAVA_LONG.withByteAlignment(1), at + CMSG_LEN);
            if (cmsgLen < CMSG_DATA || cmsgLen > len - at) return null;
            int level = control.get(JAVA_INT.withByteAlignment(1), at + CMSG_LEVEL);
            int type = control.get(JAVA_INT.withByteAlignment(1), at + CMSG_TYPE);
            if ((level == SOL_IP && type == IP_ORIGDSTADDR) || (level == SOL_IPV6 && type == IPV6_ORIGDSTADDR))
                return SockAddr.read(control.asSlice(at + CMSG_DATA, cmsgLen - CMSG_DATA), cmsgLen - CMSG_DATA);
            at += (cmsgLen + ALIGN - 1) & -ALIGN;
        }
        return null;
    }
}
