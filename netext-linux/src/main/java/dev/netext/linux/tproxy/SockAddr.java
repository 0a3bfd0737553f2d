package dev.netext.linux.tproxy;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.ValueLayout;

/**
 * {@code struct sockaddr_in} / {@code sockaddr_in6} ({@code netinet/in.h}) read from and written to native memory:
 * family in host order, port in network order, then the address. Also read by {@code linux.udp}'s batch receiver.
 */
public final class SockAddr {
    static final int AF_INET = 2, AF_INET6 = 10;
    public static final int IN_LEN = 16, IN6_LEN = 28;
    /** Field offsets: sin_family/sin6_family 0, sin_port 2, sin_addr 4; sin6_flowinfo 4, sin6_addr 8, sin6_scope_id 24. */
    public static final int FAMILY = 0, PORT = 2, IN_ADDR = 4, IN6_FLOWINFO = 4, IN6_ADDR = 8, IN6_SCOPE = 24;
    // unaligned: control messages may be read from any buffer, and a parser must not care
    private static final ValueLayout.OfShort JAVA_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt JAVA_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort PORT_BE = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {}

    /**
     * The address in {@code s[0, len)}, or null when it is not a complete {@code AF_INET}/{@code AF_INET6} one (a
     * kernel would not send that, but a parser of control messages must not trust lengths it did not check). An
     * IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) comes back as the IPv4 address.
     */
    public static InetSocketAddress read(MemorySegment s, long len) {
        if (len < 2 || s.byteSize() < len) return null;
        int family = Short.toUnsignedInt(s.get(JAVA_SHORT, FAMILY));
        try {
            if (family == AF_INET && len >= IN_LEN) {
                byte[] a = new byte[4];
                MemorySegment.copy(s, JAVA_BYTE, IN_ADDR, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), Short.toUnsignedInt(s.get(PORT_BE, PORT)));
            }
            if (family == AF_INET6 && len >= IN6_LEN) {
                byte[] a = new byte[16];
                MemorySegment.copy(s, JAVA_BYTE, IN6_ADDR, a, 0, 16);
                int scope = s.get(JAVA_INT, IN6_SCOPE);
                InetAddress addr = scope != 0 && (a[0] == (byte) 0xfe && (a[1] & 0xc0) == 0x80)
                        ? Inet6Address.getByAddress(null, a, scope) : InetAddress.getByAddress(a);
                return new InetSocketAddress(addr, Short.toUnsignedInt(s.get(PORT_BE, PORT)));
            }
        } catch (UnknownHostException e) {
            return null; // cannot happen for 4 or 16 bytes
        }
        return null;
    }

    /** Writes {@code a} into {@code s} (at least {@link #IN6_LEN} bytes); returns the length used. */
    static int write(MemorySegment s, InetSocketAddress a) {
        s.fill((byte) 0);
        byte[] addr = a.getAddress().getAddress();
        s.set(PORT_BE, PORT, (short) a.getPort());
        if (a.getAddress() instanceof Inet4Address) {
            s.set(JAVA_SHORT, FAMILY, (short) AF_INET);
            MemorySegment.copy(addr, 0, s, JAVA_BYTE, IN_ADDR, 4);
            return IN_LEN;
        }
        s.set(JAVA_SHORT, FAMILY, (short) AF_INET6);
        MemorySegment.copy(addr, 0, s, JAVA_BYTE, IN6_ADDR, 16);
        if (a.getAddress() instanceof Inet6Address v6 && v6.getScopeId() != 0) s.set(JAVA_INT, IN6_SCOPE, v6.getScopeId());
        return IN6_LEN;
    }
}
