package dev.netext.packetfilter;

/**
 * Counters of one packet filter, cumulative since start.
 *
 * @param packets       packets handed to the provider (or decided from a waiting flow decision)
 * @param failures      provider calls that threw, returned null or returned an unusable verdict: the profile's
 *                      failure verdict was applied
 */
public record PacketFilterStats(long packets, long allowed, long dropped, long modified, long delayed, long expired,
                                long flowsDecided, long failures) {
    @Override
    public String toString() {
        return packets + " packets: " + allowed + " allowed, " + dropped + " dropped, " + modified + " modified, "
                + delayed + " delayed (" + expired + " expired), " + flowsDecided + " flows decided in the kernel, "
                + failures + " provider failures";
    }
}
