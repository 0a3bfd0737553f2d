package dev.netext.wireguard.tunnel;

import dev.netext.linux.LinuxException;
import dev.netext.linux.udp.UdpBatchReceiver;
import dev.netext.wireguard.BatchOpener;
import dev.netext.wireguard.CryptoPipeline;
import dev.netext.wireguard.Device;
import dev.netext.wireguard.Messages;
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
 *   poll → recvmmsg ({@link #MESSAGES} slots; UDP_GRO trains cut into datagrams) → {@link BatchOpener} (step 1)
 *        → {@link CryptoPipeline}: opened on the workers while this thread reads on, delivered in order to the
 *          {@link UdpTransport.InboundSink} → one TUN write per recvmmsg; replies (handshakes, keepalives) flushed
 * </pre>
 *
 * Each recvmmsg fills one of several receivers (buffer sets) in turn, so the datagrams of bursts still being opened
 * stay valid: a receiver is reused only once the bursts read into it were delivered. A handshake message drains the
 * pipeline first (it may retire or install what later datagrams use). The Netty channel that owns the socket only
 * sends (its auto-read is off). Nothing here allocates per datagram.
 */
final class UdpReceiveLoop implements UdpBatchReceiver.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiveLoop.class);
    /**
     * Slots per recvmmsg. A slot holds a whole GRO train (64 KiB, resident only once a burst has used it), so a call
     * takes up to 64 trains or 64 plain datagrams: the larger read burst also lets the TUN side merge longer runs.
     */
    static final int MESSAGES = Math.max(1, Integer.getInteger("netext.wireguard.recvmmsg", 64));

    private final UdpBatchReceiver[] receivers;
    /** Per receiver: the pipeline's submission count after its last call (its datagrams are free once delivered). */
    private final long[] submittedAfter;
    private final CryptoPipeline<BatchOpener> pipeline;
    private final Device device;
    private final Runnable flushReplies;
    private BatchOpener current;

    /**
     * {@code receivers}: one per batch in flight, each with views for at least (the pipeline's depth + 1) × an
     * opener's capacity datagrams (a receiver reuses a view before {@link #datagram} can wait for a free opener); the
     * first one is polled and woken up.
     */
    UdpReceiveLoop(UdpBatchReceiver[] receivers, CryptoPipeline<BatchOpener> pipeline, Device device, Runnable flushReplies) {
        this.receivers = receivers;
        this.submittedAfter = new long[receivers.length];
        this.pipeline = pipeline;
        this.device = device;
        this.flushReplies = flushReplies;
    }

    @Override
    public void datagram(ByteBuffer datagram, InetSocketAddress from) {
        try {
            if (Messages.typeOf(datagram) != Messages.TYPE_TRANSPORT) {
                submitCurrent();
                pipeline.drain();
                device.receive(datagram, from);
                return;
            }
            if (current == null) current = pipeline.acquire();
            current.add(datagram, from);
            if (current.isFull()) submitCurrent();
        } catch (RuntimeException e) {
            LOG.warn("datagram from {} dropped: {}", from, e.toString());
        }
    }

    private void submitCurrent() {
        if (current == null) return;
        BatchOpener b = current;
        current = null;
        pipeline.submit(b);
    }

    /** Until {@link UdpBatchReceiver#wakeUp} on the first receiver. */
    void routineReceive() {
        try {
            int turn = 0;
            while (receivers[0].awaitReadable()) {
                int n;
                do {
                    n = readBurst(turn);
                    turn = turn + 1 == receivers.length ? 0 : turn + 1;
                } while (n == MESSAGES);
            }
        } catch (LinuxException e) {
            LOG.warn("UDP receive stopped: {}", e.toString());
        } finally {
            pipeline.drain();
        }
    }

    /** One recvmmsg into receiver {@code turn}, its datagrams handed to the pipeline; returns the slots it filled. */
    private int readBurst(int turn) {
        pipeline.awaitDelivered(submittedAfter[turn]);             // this receiver's buffers are ours again
        int n;
        try {
            n = receivers[turn].receive(this);
        } catch (LinuxException e) {
            // an ICMP error queued on the socket is reported once by the next read: not fatal
            LOG.debug("UDP receive: {}", e.toString());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            n = 0;
        }
        submitCurrent();
        submittedAfter[turn] = pipeline.submitted();
        flushReplies.run();                                        // handshake replies sent by this thread
        return n;
    }
}
