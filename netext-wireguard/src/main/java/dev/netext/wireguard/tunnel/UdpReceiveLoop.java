package dev.netext.wireguard.tunnel;

import dev.netext.linux.LinuxException;
import dev.netext.linux.udp.UdpBatchReceiver;
import dev.netext.wireguard.BatchOpener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The receive side of the UDP socket, on a platform thread of its own ({@link #routineReceive}):
 *
 * <pre>
 *   poll → recvmmsg ({@link #MESSAGES} slots; UDP_GRO trains cut into datagrams) → {@link BatchOpener}
 *        → {@link UdpTransport.InboundSink} → one TUN write per recvmmsg; replies (handshakes, keepalives) flushed
 * </pre>
 *
 * The Netty channel that owns the socket only sends (its auto-read is off). Nothing here allocates per datagram.
 */
final class UdpReceiveLoop implements UdpBatchReceiver.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiveLoop.class);
    /**
     * Slots per recvmmsg. A slot holds a whole GRO train (64 KiB, resident only once a burst has used it), so a call
     * takes up to 64 trains or 64 plain datagrams: the larger read burst also lets the TUN side merge longer runs.
     */
    static final int MESSAGES = Math.max(1, Integer.getInteger("netext.wireguard.recvmmsg", 64));

    private final UdpBatchReceiver receiver;
    private final BatchOpener opener;
    private final UdpTransport.InboundSink sink;
    private final Runnable flushReplies;

    /** {@code opener}'s capacity must not exceed {@code receiver}'s views (the opener holds that many datagrams). */
    UdpReceiveLoop(UdpBatchReceiver receiver, BatchOpener opener, UdpTransport.InboundSink sink, Runnable flushReplies) {
        this.receiver = receiver;
        this.opener = opener;
        this.sink = sink;
        this.flushReplies = flushReplies;
    }

    @Override
    public void datagram(ByteBuffer datagram, InetSocketAddress from) {
        try {
            opener.add(datagram, from);
        } catch (RuntimeException e) {
            LOG.warn("datagram from {} dropped: {}", from, e.toString());
        }
    }

    /** Until {@link UdpBatchReceiver#wakeUp}. */
    void routineReceive() {
        try {
            while (receiver.awaitReadable()) {
                int n;
                do {
                    n = readBurst();
                } while (n == receiver.messages());
            }
        } catch (LinuxException e) {
            LOG.warn("UDP receive stopped: {}", e.toString());
        }
    }

    /** One recvmmsg, its datagrams opened and delivered; returns the slots it filled. */
    private int readBurst() {
        int n;
        try {
            n = receiver.receive(this);
        } catch (LinuxException e) {
            // an ICMP error queued on the socket is reported once by the next read: not fatal
            LOG.debug("UDP receive: {}", e.toString());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            n = 0;
        }
        try {
            opener.flush();
        } catch (RuntimeException e) {
            LOG.warn("datagrams dropped: {}", e.toString());
        }
        sink.flush();
        flushReplies.run();
        return n;
    }
}
