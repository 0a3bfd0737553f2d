package dev.netext.wireguard;

import java.util.Arrays;

/**
 * The sliding window of received transport counters (whitepaper 5.4.6; algorithm of RFC 6479): a ring of 128 64-bit
 * blocks remembers the last {@link #WINDOW_SIZE} counters. Moving forward clears whole blocks, so the cost does not
 * depend on how far the window jumps. A counter is accepted once, if it is below the limit and not older than the
 * window. Call it only after the packet authenticated, so forged counters cannot move the window.
 *
 * <p>Not thread-safe: the owner (one key pair's receive path) serialises calls.
 */
public final class ReplayFilter {
    private static final int BLOCK_BIT_LOG = 6;
    private static final int BLOCK_BITS = 1 << BLOCK_BIT_LOG;
    private static final int RING_BLOCKS = 1 << 7;
    /** Counters remembered behind the newest: 8128, one block less than the ring so a block can be cleared ahead. */
    public static final int WINDOW_SIZE = (RING_BLOCKS - 1) * BLOCK_BITS;
    private static final int BLOCK_MASK = RING_BLOCKS - 1;
    private static final int BIT_MASK = BLOCK_BITS - 1;

    private final long[] ring = new long[RING_BLOCKS];
    private long last;

    public void reset() {
        last = 0;
        Arrays.fill(ring, 0);
    }

    /**
     * Accepts {@code counter} (unsigned) if it is below {@code limit} (unsigned), inside the window and not seen
     * before; records it.
     */
    public boolean validate(long counter, long limit) {
        if (Long.compareUnsigned(counter, limit) >= 0) return false;
        long indexBlock = counter >>> BLOCK_BIT_LOG;
        if (Long.compareUnsigned(counter, last) > 0) {
            long current = last >>> BLOCK_BIT_LOG;
            long diff = Math.min(indexBlock - current, RING_BLOCKS);
            for (long i = current + 1; i <= current + diff; i++) ring[(int) (i & BLOCK_MASK)] = 0;
            last = counter;
        } else if (last - counter > WINDOW_SIZE) {
            return false;
        }
        int block = (int) (indexBlock & BLOCK_MASK);
        long bit = 1L << (counter & BIT_MASK);
        long old = ring[block];
        ring[block] = old | bit;
        return (old & bit) == 0;
    }
}
