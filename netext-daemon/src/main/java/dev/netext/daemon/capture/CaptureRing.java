package dev.netext.daemon.capture;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.tunnel.PacketTap;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A capture's bounded hand-off from a tunnel's provider threads to the capture's reader:
 *
 * <pre>
 *   provider thread: readPackets/writePackets → tap → copy (≤ snaplen) → offer to the ring, or count a drop
 *   reader (control connection): take → CaptureFlows → JSON line → CLI → pcapng
 * </pre>
 *
 * At most {@code capacity} packets and {@code byteBudget} copied bytes wait at any time; when the reader falls behind,
 * new packets are dropped and counted, never waited for — the tunnel does not slow down for a capture.
 */
public final class CaptureRing implements PacketTap {
    private final ArrayBlockingQueue<CapturedPacket> ring;
    private final int snaplen;
    private final long byteBudget;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final long epochBase;
    private final long nanoBase;

    public CaptureRing(int capacity, int snaplen, long byteBudget) {
        if (capacity < 1 || snaplen < 1 || byteBudget < snaplen) throw new IllegalArgumentException("capture ring too small");
        this.ring = new ArrayBlockingQueue<>(capacity);
        this.snaplen = snaplen;
        this.byteBudget = byteBudget;
        Instant now = Instant.now();
        this.epochBase = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.nanoBase = System.nanoTime();
    }

    @Override
    public void outbound(PacketBatch batch, int count) {
        for (int i = 0; i < count; i++) offer(batch, i, false);
    }

    @Override
    public void inbound(PacketBatch batch) {
        for (int i = 0; i < batch.count(); i++) if (batch.length(i) > 0) offer(batch, i, true);
    }

    private void offer(PacketBatch batch, int i, boolean inbound) {
        int length = batch.length(i);
        int kept = Math.min(length, snaplen);
        if (ring.remainingCapacity() == 0 || queuedBytes.get() + kept > byteBudget) {
            dropped.incrementAndGet();
            return;
        }
        byte[] copy = new byte[kept];
        ByteBuffer p = batch.packet(i);
        p.get(0, copy, 0, kept);
        CapturedPacket c = new CapturedPacket(epochBase + (System.nanoTime() - nanoBase), inbound, copy, length);
        queuedBytes.addAndGet(kept);
        if (!ring.offer(c)) {
            queuedBytes.addAndGet(-kept);
            dropped.incrementAndGet();
        }
    }

    /** The next packet, waiting at most {@code timeout}; null if none came. */
    public CapturedPacket poll(Duration timeout) throws InterruptedException {
        CapturedPacket c = ring.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (c != null) queuedBytes.addAndGet(-c.data().length);
        return c;
    }

    /** Packets not captured because the ring was full. */
    public long dropped() { return dropped.get(); }

    public int snaplen() { return snaplen; }
}
