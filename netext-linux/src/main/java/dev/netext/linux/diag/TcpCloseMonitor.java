package dev.netext.linux.diag;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.netlink.NetlinkSocket;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.netlink.NlParser;
import dev.netext.linux.tcp.TcpInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
 *
 * <p>Every TCP socket of the namespace ends here, netext's or not, so a busy host's closes must not each cost a
 * wake-up (in this VM ~25–40 µs of CPU per close, the thread's whole cost): a close after a quiet spell is reported
 * at once, but when closes come more often than every {@link #GATHER_NANOS}, the thread waits that long and reads
 * what piled up in one wake-up — a close is then reported up to that much later. The receive buffer
 * ({@link #RECEIVE_BUFFER}) holds what piles up meanwhile.
 */
public final class TcpCloseMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpCloseMonitor.class);
    static final int SKNLGRP_INET_TCP_DESTROY = 1, SKNLGRP_INET6_TCP_DESTROY = 3, INET_DIAG_INFO = 2;
    /** Closes closer together than this are read together, after waiting this long (see the class comment). */
    static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** ~1,000 closes' broadcasts (about 1 KiB each as queued): 5 ms of 200,000 closes per second. */
    static final int RECEIVE_BUFFER = 1 << 20;
    private static final int DATAGRAM_BYTES = 64 << 10;

    /** A destroyed socket: its own end, its peer, and its {@code tcp_info} byte counts (-1 when it had none). */
    public interface Listener {
        void closed(InetSocketAddress local, InetSocketAddress remote, long bytesReceived, long bytesAcked);
    }

    private final NetlinkSocket socket;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long wakeUps; // written by the thread alone

    private TcpCloseMonitor(NetlinkSocket socket, Listener listener) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().name("tcp-close-monitor").daemon().unstarted(() -> run(listener));
    }

    /** Subscribes in the calling thread's network namespace and starts reading. */
    public static TcpCloseMonitor open(Listener listener) throws LinuxException {
        int groups = 1 << (SKNLGRP_INET_TCP_DESTROY - 1) | 1 << (SKNLGRP_INET6_TCP_DESTROY - 1);
        NetlinkSocket socket = NetlinkSocket.open(NETLINK_SOCK_DIAG, groups, false);
        try { // as NfQueue's: its one user, the fast path, has CAP_NET_ADMIN
            socket.setOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, RECEIVE_BUFFER);
        } catch (LinuxException e) {
            // without it, the default buffer: overruns sooner, which the callers' slower check covers
        }
        TcpCloseMonitor m = new TcpCloseMonitor(socket, listener);
        m.thread.start();
        return m;
    }

    private void run(Listener listener) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(DATAGRAM_BYTES, 8);
            long lastRead = System.nanoTime() - GATHER_NANOS;
            while (!stopping) lastRead = readOnce(listener, buffer, lastRead);
        }
    }

    /** Waits for closes and reads all that are there (gathering first when they come often); when it last read. */
    private long readOnce(Listener listener, MemorySegment buffer, long lastRead) {
        try {
            if (!socket.awaitReadable(200)) return lastRead;
            wakeUps++;
            if (System.nanoTime() - lastRead < GATHER_NANOS) LockSupport.parkNanos(GATHER_NANOS);
            int n;
            while (!stopping && (n = socket.receiveInto(buffer, Libc.MSG_DONTWAIT)) >= 0)
                for (NlMessage m : NlParser.parse(buffer.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder()))) {
                    if (m.type() != SOCK_DIAG_BY_FAMILY) continue;
                    try {
                        decode(m, listener);
                    } catch (RuntimeException e) {
                        log.debug("tcp close monitor: malformed message: {}", e.toString());
                    }
                }
        } catch (LinuxException e) {
            if (stopping) return System.nanoTime();
            if (!e.is(Errno.ENOBUFS)) {
                log.warn("tcp close monitor stopped: {}", e.getMessage());
                stopping = true;
                return System.nanoTime();
            }
            log.debug("tcp close monitor overrun: some closes were missed");
        } catch (RuntimeException e) {
            log.debug("tcp close monitor: malformed datagram: {}", e.toString());
        }
        return System.nanoTime();
    }

    /** How often the thread woke to read closes (not to find none): fewer than the closes when they come often. */
    long wakeUps() { return wakeUps; }

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
