package dev.netext.tunnel;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;

import java.io.IOException;
import java.util.function.IntSupplier;

/**
 * The provider's view of a tunnel's device ({@link TunnelRuntime}): packets read and written through it are counted
 * in {@link TunnelStats} per batch, so the per-packet path stays allocation-free, and teed to a {@link PacketTap}
 * while one is set.
 */
final class CountingPacketFlow implements PacketFlow {
    private final TunnelDevice device;
    private final TunnelStats stats;
    private final IntSupplier mtu;
    private volatile PacketTap tap;

    /** {@code mtu}: the MTU in force when a provider asks for a new batch (the applied settings', else the profile's). */
    CountingPacketFlow(TunnelDevice device, TunnelStats stats, IntSupplier mtu) {
        this.device = device;
        this.stats = stats;
        this.mtu = mtu;
    }

    /** Tees every packet that passes to {@code tap} (both directions) until replaced; {@code null} ends it. */
    void setTap(PacketTap tap) { this.tap = tap; }

    @Override
    public int readPackets(PacketBatch batch) throws IOException {
        int n = device.read(batch);
        if (n > 0) {
            long bytes = 0;
            for (int i = 0; i < n; i++) bytes += batch.length(i);
            stats.countIn(n, bytes);
            PacketTap t = tap;
            if (t != null) t.outbound(batch, n);
        }
        return n;
    }

    @Override
    public int writePackets(PacketBatch batch) throws IOException {
        int n = device.write(batch);
        if (n > 0) {
            long bytes = 0;
            for (int i = 0; i < batch.count(); i++) bytes += batch.length(i);
            stats.countOut(n, bytes);
            PacketTap t = tap;
            if (t != null) t.inbound(batch);
        }
        return n;
    }

    @Override
    public PacketBatch newBatch() {
        return PacketBatch.allocate(PacketBatch.DEFAULT_CAPACITY, device.slotSize(mtu.getAsInt()));
    }
}
