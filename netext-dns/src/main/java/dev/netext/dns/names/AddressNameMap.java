package dev.netext.dns.names;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Address → hostnames, learned from every A/AAAA answer netext relays: how the flow layer names a flow whose client
 * connected by address ({@link dev.netext.api.flow.HostnameInfo.Source#DNS_MAP}). Bounded (least recently touched
 * addresses go first), TTL-aware (a name is forgotten when the record that taught it expires), and at most
 * {@link #MAX_NAMES_PER_ADDRESS} names per address (CDN addresses serve thousands; the most recent are kept).
 */
public final class AddressNameMap {
    public static final int MAX_NAMES_PER_ADDRESS = 8;

    private record Key(byte[] address) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(address, k.address); }
        @Override public int hashCode() { return Arrays.hashCode(address); }
    }

    private static final class Names {
        final List<String> names = new ArrayList<>(2);
        final List<Long> expiry = new ArrayList<>(2);
    }

    private final int maxAddresses;
    private final LongSupplier nanos;
    private final LinkedHashMap<Key, Names> map; // guarded by this

    public AddressNameMap(int maxAddresses, LongSupplier nanos) {
        this.maxAddresses = maxAddresses;
        this.nanos = nanos;
        this.map = new LinkedHashMap<>(Math.min(maxAddresses, 1024), 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<Key, Names> eldest) { return size() > AddressNameMap.this.maxAddresses; }
        };
    }

    /** Notes that {@code name} resolved to {@code address} (4 or 16 bytes) for {@code ttlSeconds}. */
    public synchronized void record(byte[] address, String name, long ttlSeconds) {
        if (ttlSeconds <= 0 || name.isEmpty()) return;
        long expires = nanos.getAsLong() + ttlSeconds * 1_000_000_000L;
        Names n = map.computeIfAbsent(new Key(address.clone()), k -> new Names());
        int i = n.names.indexOf(name);
        if (i >= 0) {
            n.names.remove(i);
            n.expiry.remove(i);
        }
        n.names.addFirst(name);
        n.expiry.addFirst(expires);
        while (n.names.size() > MAX_NAMES_PER_ADDRESS) {
            n.names.removeLast();
            n.expiry.removeLast();
        }
    }

    /** The unexpired names for {@code address}, most recently learned first; empty if none. */
    public synchronized List<String> namesFor(InetAddress address) {
        Names n = map.get(new Key(address.getAddress()));
        if (n == null) return List.of();
        long now = nanos.getAsLong();
        List<String> out = new ArrayList<>(n.names.size());
        for (int i = 0; i < n.names.size(); i++) if (n.expiry.get(i) - now > 0) out.add(n.names.get(i));
        return List.copyOf(out);
    }

    public synchronized int size() { return map.size(); }
}
