package dev.netext.testkit.tunnel;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.tunnel.TunnelDevice;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TUN device made of two queues: packets a test {@link #inject}s are what the system "routed into the tunnel", and
 * what the provider writes is collected for {@link #awaitWritten}. No kernel, no root: provider logic runs in a unit
 * test with coverage, under the host's real {@link dev.netext.tunnel.TunnelRuntime}.
 */
public final class SimulatedTunnelDevice implements TunnelDevice {
    private static final byte[] CLOSED = new byte[0];

    private final String name;
    private final LinkedBlockingQueue<byte[]> toProvider = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<byte[]> fromProvider = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    public SimulatedTunnelDevice(String name) {
        this.name = name;
    }

    @Override
    public String name() { return name; }

    /** Queues a packet as if the system routed it into the tunnel. */
    public void inject(byte[] packet) {
        if (closed) throw new IllegalStateException("device is closed");
        toProvider.add(packet.clone());
    }

    /** The next packet the provider wrote, or {@code null} after {@code timeout}. */
    public byte[] awaitWritten(Duration timeout) throws InterruptedException {
        return fromProvider.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The next {@code count} packets the provider writes, in order; fewer if {@code timeout} (for all of them)
     * passes first.
     */
    public List<byte[]> awaitWritten(int count, Duration timeout) throws InterruptedException {
        List<byte[]> out = new ArrayList<>(count);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < count) {
            byte[] p = fromProvider.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (p == null) break;
            out.add(p);
        }
        return out;
    }

    /** Whether the host closed the device (it does at stop). */
    public boolean isClosed() { return closed; }

    /** Everything written so far and not yet taken. */
    public List<byte[]> drainWritten() {
        List<byte[]> out = new ArrayList<>();
        fromProvider.drainTo(out);
        return out;
    }

    @Override
    public int read(PacketBatch batch) {
        batch.clear();
        try {
            byte[] first = closed ? CLOSED : toProvider.take();
            if (first == CLOSED) {
                toProvider.add(CLOSED); // keep waking other readers
                return -1;
            }
            batch.add(ByteBuffer.wrap(first));
            byte[] next;
            while (!batch.isFull() && (next = toProvider.peek()) != null && next != CLOSED) {
                batch.add(ByteBuffer.wrap(toProvider.poll()));
            }
            return batch.count();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public int write(PacketBatch batch) {
        int written = 0;
        for (int i = 0; i < batch.count(); i++) {
            int len = batch.length(i);
            if (len == 0) continue;
            byte[] copy = new byte[len];
            batch.packet(i).get(copy);
            fromProvider.add(copy);
            written++;
        }
        return written;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        toProvider.add(CLOSED);
    }
}
