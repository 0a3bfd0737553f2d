package dev.netext.linux.diag;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.netlink.NetlinkSocket;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.netlink.NlMessageBuilder;
import dev.netext.linux.netlink.NlReplies;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

import static dev.netext.linux.diag.InetDiagH.*;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_ACK;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_DUMP;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_REQUEST;

/**
 * Looks up one TCP or UDP socket by its 4-tuple through {@code NETLINK_SOCK_DIAG} ({@code linux/inet_diag.h}): an
 * exact {@code inet_diag_req_v2} without {@code NLM_F_DUMP} and with {@code INET_DIAG_NOCOOKIE}, which the kernel
 * answers from its socket hash tables ({@code inet_diag_find_one_icsk}, {@code udp_dump_one}) in microseconds —
 * unlike a dump, its cost does not grow with the number of sockets.
 *
 * <p>The request's source is the socket's local end for TCP. For UDP the kernel hands {@code idiag_src} to
 * {@code __udp4_lib_lookup} as the packet's source, that is the remote end ("src and dst are swapped for
 * historical reasons", {@code net/ipv4/udp_diag.c}); {@link #lookup} hides the difference. An IPv4 flow of a
 * dual-stack IPv6 socket is found by the IPv4 lookup.
 *
 * <p>One socket, one request at a time (serialised); the socket belongs to the network namespace of the thread that
 * called {@link #open()}: attribution only finds sockets of that namespace.
 */
public final class SockDiag implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 2_000;

    private final NetlinkSocket socket;

    private SockDiag(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a {@code NETLINK_SOCK_DIAG} socket in the calling thread's network namespace. */
    public static SockDiag open() throws LinuxException {
        return new SockDiag(NetlinkSocket.open(NETLINK_SOCK_DIAG, 0, false));
    }

    /**
     * The socket whose local end is {@code local} and remote end {@code remote} (for an unconnected UDP socket, the
     * one bound to {@code local}'s port that would receive from {@code remote}), or empty if there is none.
     * Addresses of different families, or IPv4-mapped IPv6 addresses, are looked up as IPv4.
     */
    public Optional<SocketOwner> lookup(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        return lookup(protocol, local, remote, false);
    }

    /**
     * The socket that receives what {@code remote} sends to {@code local}: as {@link #lookup}, but a TCP listener on
     * {@code local} counts — the kernel's own choice ({@code inet_lookup}: an established socket, else the best
     * listener, dual-stack and {@code SO_REUSEPORT} rules included). For a connection another host opens to a local
     * service, whose SYN has not reached the listener yet.
     */
    public Optional<SocketOwner> lookupServer(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        return lookup(protocol, local, remote, true);
    }

    private Optional<SocketOwner> lookup(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote,
                                         boolean listenerToo) throws LinuxException {
        NlMessageBuilder req = request(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, protocol, local, remote);
        if (req == null) return Optional.empty(); // no socket has such a tuple
        OneSocket answer = new OneSocket();
        socket.request(req, "sock_diag lookup", TIMEOUT_MILLIS, answer);
        boolean udp = protocol == TransportProtocol.UDP;
        Optional<SocketOwner> owner = Optional.ofNullable(answer.found);
        if (owner.isEmpty() || udp || listenerToo) return owner;
        // inet_lookup falls back to a listener on the local port: that is not the flow's socket.
        return owner.get().state() == TCP_LISTEN ? Optional.empty() : owner;
    }

    /**
     * Aborts the connected TCP socket whose local end is {@code local} and remote end {@code remote}
     * ({@code SOCK_DESTROY}): its owner's pending and next calls fail with {@code ECONNABORTED} at once, and the
     * kernel resets the peer. How a judged connection is closed on its application when no packet of the application
     * is on its way to carry the verdict (it waits for the server to speak). Returns false when there is no such
     * socket (it closed meanwhile).
     *
     * @throws LinuxException {@code EOPNOTSUPP} on a kernel without {@code CONFIG_INET_DIAG_DESTROY}, {@code EPERM}
     *                        without {@code CAP_NET_ADMIN}
     */
    public boolean destroy(InetSocketAddress local, InetSocketAddress remote) throws LinuxException {
        NlMessageBuilder req = request(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, TransportProtocol.TCP, local, remote);
        if (req == null) return false;
        boolean[] none = new boolean[1];
        socket.request(req, "sock_diag destroy", TIMEOUT_MILLIS, new NlReplies() {
            @Override public boolean accept(NlMessage m) { return false; }

            @Override public boolean meansNone(int errno) { return none[0] = errno == Errno.ENOENT; }
        });
        return !none[0];
    }

    /**
     * The request naming one socket by its tuple (every state, no extensions, no cookie check), with the UDP
     * swap; null when the two addresses cannot be one socket's (different families, not IPv4-mapped).
     */
    private static NlMessageBuilder request(int type, int flags, TransportProtocol protocol, InetSocketAddress local,
                                            InetSocketAddress remote) {
        if (protocol != TransportProtocol.TCP && protocol != TransportProtocol.UDP)
            throw new IllegalArgumentException("protocol must be TCP or UDP, not " + protocol);
        byte[] localAddress = address(local.getAddress());
        byte[] remoteAddress = address(remote.getAddress());
        if (localAddress.length != remoteAddress.length) {
            localAddress = v4(local.getAddress());
            remoteAddress = v4(remote.getAddress());
            if (localAddress == null || remoteAddress == null) return null;
        }
        int family = localAddress.length == 4 ? AF_INET : AF_INET6;
        boolean udp = protocol == TransportProtocol.UDP;
        return request(type, flags, family, udp ? IPPROTO_UDP : IPPROTO_TCP,
                udp ? remote.getPort() : local.getPort(), udp ? local.getPort() : remote.getPort(),
                udp ? remoteAddress : localAddress, udp ? localAddress : remoteAddress);
    }

    /**
     * The socket whose local end is {@code local}, whatever its peer: for a client whose traffic was redirected to
     * netext (NAT), whose socket's peer is the address it first sent to, not netext's. A dump filtered by the kernel
     * on the local port ({@code idiag_sport} in the request, checked by {@code udp_dump} and
     * {@code inet_diag_dump_icsk} for every socket), each family in turn; of the sockets on that port, one bound to
     * {@code local}'s address wins over one bound to the wildcard address. TCP listeners are left out (a client's
     * socket never listens). Empty if there is none.
     */
    public Optional<SocketOwner> lookupLocal(TransportProtocol protocol, InetSocketAddress local) throws LinuxException {
        if (protocol != TransportProtocol.TCP && protocol != TransportProtocol.UDP)
            throw new IllegalArgumentException("protocol must be TCP or UDP, not " + protocol);
        if (local.getPort() <= 0) return Optional.empty();
        byte[] v4 = v4(local.getAddress());
        byte[] v6 = local.getAddress() instanceof Inet6Address ? local.getAddress().getAddress() : mapped(v4);
        boolean udp = protocol == TransportProtocol.UDP;
        int states = udp ? ALL_STATES : ALL_STATES & ~(1 << TCP_LISTEN);
        Optional<SocketOwner> best = Optional.empty();
        if (v4 != null) best = dumpOne(AF_INET, udp, states, local.getPort(), v4);
        if (best.isEmpty() && v6 != null) best = dumpOne(AF_INET6, udp, states, local.getPort(), v6);
        return best;
    }

    /** One family's dump for local port {@code port}: the socket bound to {@code address}, else a wildcard one. */
    private Optional<SocketOwner> dumpOne(int family, boolean udp, int states, int port, byte[] address)
            throws LinuxException {
        NlMessageBuilder req = new NlMessageBuilder(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP);
        req.u8(family).u8(udp ? IPPROTO_UDP : IPPROTO_TCP).u8(0).u8(0).u32(states);
        req.u8(port >>> 8).u8(port).u8(0).u8(0); // idiag_sport: the kernel's filter; idiag_dport 0: any
        req.bytes(new byte[32]).u32(0);
        req.u32(INET_DIAG_NOCOOKIE).u32(INET_DIAG_NOCOOKIE);
        BoundToPort found = new BoundToPort(port, address);
        socket.request(req, "sock_diag dump", TIMEOUT_MILLIS, found);
        return Optional.ofNullable(found.exact != null ? found.exact : found.wildcard);
    }

    /** The sockets of a dump on one local port: the first bound to the address, the first bound to the wildcard. */
    private static final class BoundToPort implements NlReplies {
        private final int port;
        private final byte[] address;
        private final byte[] src;
        SocketOwner exact, wildcard;

        BoundToPort(int port, byte[] address) {
            this.port = port;
            this.address = address;
            this.src = new byte[address.length];
        }

        @Override
        public boolean accept(NlMessage m) {
            if (m.type() != SOCK_DIAG_BY_FAMILY) return false;
            m.requirePayload(INET_DIAG_MSG_SIZE);
            ByteBuffer p = m.payload().order(ByteOrder.BIG_ENDIAN);
            int sport = p.getShort(MSG_ID + ID_SPORT) & 0xFFFF;
            if (sport != port) return false; // the kernel filtered; a reply that did not match is ignored
            SocketOwner o = decode(m);
            if (!o.hasInode()) return false;
            p.get(MSG_ID + ID_SRC, src);
            if (Arrays.equals(src, address)) { if (exact == null) exact = o; }
            else if (isZero(src) && wildcard == null) wildcard = o;
            return false;
        }

        @Override
        public boolean meansNone(int errno) { return errno == Errno.ENOENT; }
    }

    private static boolean isZero(byte[] a) {
        for (byte b : a) if (b != 0) return false;
        return true;
    }

    /** {@code ::ffff:a.b.c.d} for an IPv4 address (how a dual-stack IPv6 socket is bound to it), else null. */
    private static byte[] mapped(byte[] v4) {
        if (v4 == null) return null;
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    /** {@code inet_diag_req_v2} for one socket: every state, no extensions, no cookie check. */
    private static NlMessageBuilder request(int type, int flags, int family, int protocol, int sport, int dport,
                                            byte[] src, byte[] dst) {
        NlMessageBuilder b = new NlMessageBuilder(type, flags);
        b.u8(family).u8(protocol).u8(0).u8(0).u32(ALL_STATES);
        b.u8(sport >>> 8).u8(sport).u8(dport >>> 8).u8(dport); // __be16
        b.bytes(padded16(src)).bytes(padded16(dst));
        b.u32(0); // idiag_if: any interface
        b.u32(INET_DIAG_NOCOOKIE).u32(INET_DIAG_NOCOOKIE);
        return b;
    }

    /** The one socket an exact lookup answers with; none when the kernel says ENOENT. */
    private static final class OneSocket implements NlReplies {
        SocketOwner found;

        @Override
        public boolean accept(NlMessage m) {
            if (m.type() != SOCK_DIAG_BY_FAMILY) return false;
            found = decode(m);
            return true;
        }

        @Override
        public boolean meansNone(int errno) { return errno == Errno.ENOENT; }
    }

    /** Decodes an {@code inet_diag_msg}. */
    static SocketOwner decode(NlMessage m) {
        m.requirePayload(INET_DIAG_MSG_SIZE);
        ByteBuffer p = m.payload().order(ByteOrder.nativeOrder());
        long cookie = Integer.toUnsignedLong(p.getInt(MSG_ID + ID_COOKIE))
                | Integer.toUnsignedLong(p.getInt(MSG_ID + ID_COOKIE + 4)) << 32;
        return new SocketOwner(p.get(MSG_FAMILY) & 0xFF, p.get(MSG_STATE) & 0xFF,
                Integer.toUnsignedLong(p.getInt(MSG_UID)), Integer.toUnsignedLong(p.getInt(MSG_INODE)), cookie);
    }

    private static byte[] address(InetAddress a) {
        return a.getAddress();
    }

    /** The IPv4 address of an IPv4 or IPv4-mapped IPv6 address, else null. */
    private static byte[] v4(InetAddress a) {
        if (a instanceof Inet4Address) return a.getAddress();
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            for (int i = 0; i < 10; i++) if (b[i] != 0) return null;
            if (b[10] != (byte) 0xFF || b[11] != (byte) 0xFF) return null;
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
        return null;
    }

    private static byte[] padded16(byte[] a) {
        byte[] out = new byte[16];
        System.arraycopy(a, 0, out, 0, a.length);
        return out;
    }

    @Override
    public void close() {
        socket.close();
    }
}
