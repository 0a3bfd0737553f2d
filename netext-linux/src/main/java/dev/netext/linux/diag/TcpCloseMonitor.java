package dev.netext.linux.diag;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.netlink.NetlinkSocket;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.netlink.NlParser;
import dev.netext.linux.tcp.TcpInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.netext.linux.diag.InetDiagH.*;

/**
 * The kernel's word when a TCP socket of this network namespace is destroyed: sock_diag's destroy broadcasts
 * ({@code SKNLGRP_INET_TCP_DESTROY}, {@code SKNLGRP_INET6_TCP_DESTROY}, Linux 4.9), each an {@code inet_diag_msg} with
 * the socket's final {@code tcp_info} — its byte counts included. A full socket is destroyed when it is closed and
 * its last data is out (before any TIME_WAIT, which a small stand-in socket serves). How netext learns that a
 * connection it never relayed (a fast-path flow: the kernel carried it) has ended, and how many bytes it moved.
 *
 * <p>One thread reads the broadcasts; open it in the namespace to watch. Overruns lose messages: callers keep a
 * slower check of their own.
 */
public final class TcpCloseMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpCloseMonitor.class);
    static final int SKNLGRP_INET_TCP_DESTROY = 1, SKNLGRP_INET6_TCP_DESTROY = 3, INET_DIAG_INFO = 2;

    /** A destroyed socket: its own end, its peer, and its {@code tcp_info} byte counts (-1 when it had none). */
    public interface Listener {
        void closed(InetSocketAddress local, InetSocketAddress remote, long bytesReceived, long bytesAcked);
    }

    private final NetlinkSocket socket;
    private final Thread thread;
    private volatile boolean stopping;

    private TcpCloseMonitor(NetlinkSocket socket, Listener listener) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().name("tcp-close-monitor").daemon().unstarted(() -> run(listener));
    }

    /** Subscribes in the calling thread's network namespace and starts reading. */
    public static TcpCloseMonitor open(Listener listener) throws LinuxException {
        int groups = 1 << (SKNLGRP_INET_TCP_DESTROY - 1) | 1 << (SKNLGRP_INET6_TCP_DESTROY - 1);
        TcpCloseMonitor m = new TcpCloseMonitor(NetlinkSocket.open(NETLINK_SOCK_DIAG, groups, false), listener);
        m.thread.start();
        return m;
    }

    private void run(Listener listener) {
        while (!stopping) {
            try {
                if (!socket.awaitReadable(200)) continue;
                ByteBuffer datagram = socket.receive();
                if (datagram == null) continue;
                for (NlMessage m : NlParser.parse(datagram)) {
                    if (m.type() != SOCK_DIAG_BY_FAMILY) continue;
                    decode(m, listener);
                }
            } catch (LinuxException e) {
                if (stopping) return;
                if (!e.is(Errno.ENOBUFS)) {
                    log.warn("tcp close monitor stopped: {}", e.getMessage());
                    return;
                }
                log.debug("tcp close monitor overrun: some closes were missed");
            } catch (RuntimeException e) {
                log.debug("tcp close monitor: malformed message: {}", e.toString());
            }
        }
    }

    private static void decode(NlMessage m, Listener listener) {
        m.requirePayload(INET_DIAG_MSG_SIZE);
        ByteBuffer p = m.payload().order(ByteOrder.BIG_ENDIAN);
        int family = p.get(MSG_FAMILY) & 0xFF;
        int length = family == AF_INET ? 4 : 16;
        InetSocketAddress local = endpoint(p, MSG_ID + ID_SRC, length, p.getShort(MSG_ID + ID_SPORT) & 0xFFFF);
        InetSocketAddress remote = endpoint(p, MSG_ID + ID_DST, length, p.getShort(MSG_ID + ID_DPORT) & 0xFFFF);
        long received = -1, acked = -1;
        ByteBuffer info = m.attributes(INET_DIAG_MSG_SIZE).find(INET_DIAG_INFO);
        if (info != null && info.remaining() >= TcpInfo.MIN_LENGTH) {
            TcpInfo t = TcpInfo.of(info.slice().order(ByteOrder.nativeOrder()));
            received = t.bytesReceived();
            acked = t.bytesAcked();
        }
        listener.closed(local, remote, received, acked);
    }

    private static InetSocketAddress endpoint(ByteBuffer p, int at, int length, int port) {
        byte[] a = new byte[length];
        p.get(at, a);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(a), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
    }
}
