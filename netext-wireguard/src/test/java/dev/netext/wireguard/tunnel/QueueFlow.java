package dev.netext.wireguard.tunnel;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A PacketFlow over two queues: tests put packets "from the TUN device" and take what the provider delivered. */
public final class QueueFlow implements PacketFlow {
    private static final byte[] CLOSED = new byte[0];
    public final BlockingQueue<byte[]> fromTun = new LinkedBlockingQueue<>();
    public final BlockingQueue<byte[]> toTun = new LinkedBlockingQueue<>();

    @Override
    public int readPackets(PacketBatch batch) throws java.io.IOException {
        batch.clear();
        try {
            byte[] p = fromTun.take();
            if (p == CLOSED) { fromTun.add(CLOSED); return -1; }
            batch.add(ByteBuffer.wrap(p));
            while (!batch.isFull() && (p = fromTun.poll()) != null) {
                if (p == CLOSED) { fromTun.add(CLOSED); break; }
                batch.add(ByteBuffer.wrap(p));
            }
            return batch.count();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public int writePackets(PacketBatch batch) {
        for (int i = 0; i < batch.count(); i++) {
            ByteBuffer b = batch.packet(i);
            byte[] a = new byte[b.remaining()];
            b.get(a);
            toTun.add(a);
        }
        return batch.count();
    }

    @Override
    public PacketBatch newBatch() { return PacketBatch.allocate(64, 2048); }

    public void close() { fromTun.add(CLOSED); }

    public byte[] awaitDelivered(long seconds) throws InterruptedException { return toTun.poll(seconds, TimeUnit.SECONDS); }
}
