package dev.netext.tunnel;

import java.util.concurrent.atomic.LongAdder;

/**
 * Packet and byte counters of one tunnel, from the system's side: "in" is what the system routed into the tunnel
 * (the provider read it), "out" what the provider wrote back to the system. Updated once per batch.
 */
public final class TunnelStats {
    private final LongAdder packetsIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder packetsOut = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder batchesIn = new LongAdder();

    void countIn(int packets, long bytes) {
        packetsIn.add(packets);
        bytesIn.add(bytes);
        batchesIn.increment();
    }

    void countOut(int packets, long bytes) {
        packetsOut.add(packets);
        bytesOut.add(bytes);
    }

    public long packetsIn() { return packetsIn.sum(); }
    public long bytesIn() { return bytesIn.sum(); }
    public long packetsOut() { return packetsOut.sum(); }
    public long bytesOut() { return bytesOut.sum(); }
    public long batchesIn() { return batchesIn.sum(); }

    @Override
    public String toString() {
        return "in " + packetsIn() + " packets / " + bytesIn() + " bytes (" + batchesIn() + " batches), out "
                + packetsOut() + " packets / " + bytesOut() + " bytes";
    }
}
