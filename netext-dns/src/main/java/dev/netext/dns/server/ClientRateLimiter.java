package dev.netext.dns.server;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address ({@code qps} sustained, {@code burst} at once), for clients other than
 * loopback: the host's own processes are never throttled. At most {@link #MAX_CLIENTS} buckets are kept (the least
 * recently seen go first), so a spoofed-source flood cannot grow memory. {@code qps == 0} turns it off.
 */
public final class ClientRateLimiter {
    static final int MAX_CLIENTS = 4096;

    private final long qps;
    private final long burst;
    private final LongSupplier nanos;
    private final LinkedHashMap<InetAddress, long[]> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<InetAddress, long[]> e) { return size() > MAX_CLIENTS; }
    }; // guarded by this; value: {tokens × 1e9, last refill nanos}

    public ClientRateLimiter(long qps, long burst, LongSupplier nanos) {
        this.qps = qps;
        this.burst = Math.max(burst, qps);
        this.nanos = nanos;
    }

    public boolean enabled() { return qps > 0; }

    /** Whether {@code client} may send one more query now. */
    public boolean allow(InetAddress client) {
        if (qps <= 0 || client.isLoopbackAddress()) return true;
        long now = nanos.getAsLong();
        synchronized (this) {
            long[] b = buckets.get(client); // not computeIfAbsent: its lambda would capture now, an object per query
            if (b == null) buckets.put(client, b = new long[] {burst * 1_000_000_000L, now});
            long elapsed = Math.min(now - b[1], 60_000_000_000L); // a minute refills any sane bucket; no overflow
            b[1] = now;
            b[0] = Math.min(burst * 1_000_000_000L, b[0] + elapsed * qps);
            if (b[0] < 1_000_000_000L) return false;
            b[0] -= 1_000_000_000L;
            return true;
        }
    }
}
