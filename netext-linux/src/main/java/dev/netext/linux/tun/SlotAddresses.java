package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;

/**
 * Native addresses of the slots of the last two batches written through a queue, so that a write needs no
 * {@code MemorySegment} per packet.
 *
 * <p>{@link PacketBatch#segment(int)} returns a fresh slice (about 40 bytes) on every call; the JIT removes it only
 * sometimes. A slot's memory never moves for the life of its batch, so its address is looked up once and then written
 * straight into an iovec. Two entries cover the common loops (one batch reused, or two double-buffered). The entries
 * hold their batches strongly: that keeps the slot memory alive for as long as its address is cached, so a cached
 * address can never point at freed memory.
 *
 * <p>Used by the queue's single writer thread only; not thread-safe.
 */
final class SlotAddresses {
    private PacketBatch recent, older;
    private long[] recentAddresses, olderAddresses;

    /** The address of slot {@code i} of {@code batch}; {@code i} must be below {@code batch.count()}. */
    long address(PacketBatch batch, int i) {
        long[] addresses = entryFor(batch);
        long a = addresses[i];
        if (a == 0) {
            a = batch.segment(i).address();
            addresses[i] = a;
        }
        return a;
    }

    private long[] entryFor(PacketBatch batch) {
        if (batch == recent) return recentAddresses;
        PacketBatch evictedBatch = older;
        long[] evicted = olderAddresses;
        older = recent;
        olderAddresses = recentAddresses;
        recent = batch;
        recentAddresses = batch == evictedBatch ? evicted : new long[batch.capacity()];
        return recentAddresses;
    }
}
