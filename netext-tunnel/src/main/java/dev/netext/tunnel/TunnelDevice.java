package dev.netext.tunnel;

import dev.netext.api.tunnel.PacketBatch;

import java.io.IOException;

/**
 * Where a tunnel's packets come from and go to: a kernel TUN device in production, a simulated one in the test kit.
 * Keeping the host independent of the kernel is what lets a provider run, with the host's real lifecycle, in a unit
 * test with coverage.
 */
public interface TunnelDevice extends AutoCloseable {

    /** The interface name the system sees. */
    String name();

    /** The kernel's interface index, or 0 for a device the kernel does not know (simulated). */
    default int index() { return 0; }

    /** Clears {@code batch} and fills it with at least one packet; blocks; {@code -1} once closed. */
    int read(PacketBatch batch) throws IOException;

    /** Writes every packet of {@code batch} with a non-zero length; returns how many were written. */
    int write(PacketBatch batch) throws IOException;

    /** The slot size batches for this device need (MTU plus any per-packet header the device adds). */
    default int slotSize(int mtu) { return Math.max(mtu, 1280); }

    /** Closes the device; a blocked {@link #read} returns {@code -1}. Idempotent. */
    @Override
    void close();
}
