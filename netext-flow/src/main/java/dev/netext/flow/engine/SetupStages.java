package dev.netext.flow.engine;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Where a fast-path TCP flow's setup time goes, stage by stage: {@code nanoTime} stamps a {@link QueuedTcpFlow} takes
 * when {@code -Dnetext.flow.setupStages=true} (off: one static final check per stamp, no allocation). Read by
 * {@code bench/flows.sh --cases setup}.
 */
public final class SetupStages {
    /** Whether flows take stamps. */
    public static final boolean ON = Boolean.getBoolean("netext.flow.setupStages");

    /** The stamps, in the order a flow takes them. */
    public enum Stage {
        SYN_RECEIVED("SYN received by the queue's thread"),
        SYN_RELEASED("SYN's verdict given (the fast path chosen; sent at once, or with the batch's other verdicts)"),
        ATTRIBUTED("attribution done"),
        DATA_RECEIVED("first data received by the queue's thread"),
        DATA_ON_LOOP("first data on the flow's thread"),
        DECIDED("decided (allowed)"),
        DATA_RELEASED("first data's verdict given (sent at once, or at the end of the batch being handled)");

        public final String label;

        Stage(String label) { this.label = label; }
    }

    private static final ConcurrentLinkedQueue<long[]> FLOWS = new ConcurrentLinkedQueue<>();

    private SetupStages() {}

    /** A flow's stamps, or null when off. */
    static long[] start() { return ON ? new long[Stage.values().length] : null; }

    /** Stamps {@code s} once (the first time only). */
    static void stamp(long[] stamps, Stage s) {
        if (stamps != null && stamps[s.ordinal()] == 0) stamps[s.ordinal()] = System.nanoTime();
    }

    /** A flow's setup ended (its first data released): its stamps are kept when complete. */
    static void done(long[] stamps) {
        if (stamps == null) return;
        for (long t : stamps) if (t == 0) return;
        FLOWS.add(stamps);
    }

    /** Every complete flow's stamps since the last call (and forgets them). */
    public static long[][] drain() {
        long[][] out = FLOWS.toArray(new long[0][]);
        FLOWS.clear();
        return out;
    }

    /** The median of {@code to - from} over {@code flows}, in microseconds. */
    public static double p50Micros(long[][] flows, Stage from, Stage to) {
        if (flows.length == 0) return Double.NaN;
        long[] d = new long[flows.length];
        for (int i = 0; i < flows.length; i++) d[i] = flows[i][to.ordinal()] - flows[i][from.ordinal()];
        Arrays.sort(d);
        return d[d.length / 2] / 1e3;
    }
}
