package dev.netext.wireguard.tunnel;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decrypted packets on their way to the TUN device: copied into one preallocated {@link PacketBatch} and written in
 * one batch per UDP read burst. Used by whichever thread delivers a burst from the open pipeline, one at a time (the
 * pipeline's delivery is exclusive and ordered): the TUN queue's single writer.
 */
final class TunSink implements UdpTransport.InboundSink {
    private static final Logger LOG = LoggerFactory.getLogger(TunSink.class);
    /** Slots hold the largest packet a peer may send (its MTU may exceed ours); the kernel enforces our own MTU. */
    static final int SLOT_SIZE = PacketBatch.DEFAULT_SLOT_SIZE;
    static final int CAPACITY = 64;

    private final PacketFlow flow;
    private final PacketBatch batch = PacketBatch.allocate(CAPACITY, SLOT_SIZE);
    private final AtomicLong writeErrors = new AtomicLong();

    TunSink(PacketFlow flow) {
        this.flow = flow;
    }

    @Override
    public void deliver(ByteBuffer packet) {
        if (batch.isFull()) flush();
        batch.add(packet);
    }

    @Override
    public void flush() {
        if (batch.isEmpty()) return;
        try {
            flow.writePackets(batch);
        } catch (IOException e) {
            if (writeErrors.incrementAndGet() == 1) LOG.warn("TUN write failed: {}", e.toString());
        } finally {
            batch.clear();
        }
    }

    long writeErrors() { return writeErrors.get(); }
}
