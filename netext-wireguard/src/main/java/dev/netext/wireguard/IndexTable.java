package dev.netext.wireguard;

import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Maps our 32-bit session indices (the "receiver" field of responses, cookie replies and transport messages) to the
 * peer and the handshake or key pair they belong to (whitepaper 5.4.2: "randomly generated"). An index is reserved
 * for a handshake and then moved to the key pair the handshake produced.
 */
final class IndexTable {
    /** What an index points at: a peer's pending handshake, or a key pair (exactly one of them). */
    record Entry(Peer peer, boolean handshake, Keypair keypair) {}

    private final ConcurrentHashMap<Integer, Entry> table = new ConcurrentHashMap<>();
    private final RandomGenerator random;

    IndexTable(RandomGenerator random) { this.random = random; }

    /** Reserves a fresh random index for {@code peer}'s handshake. */
    int newIndexForHandshake(Peer peer) {
        Entry entry = new Entry(peer, true, null);
        while (true) {
            int index = random.nextInt();
            if (table.putIfAbsent(index, entry) == null) return index;
        }
    }

    /** Points an index reserved for a handshake at the key pair it produced. */
    void swapIndexForKeypair(int index, Keypair keypair) {
        table.computeIfPresent(index, (k, e) -> new Entry(e.peer(), false, keypair));
    }

    Entry lookup(int index) { return table.get(index); }

    void delete(int index) { table.remove(index); }

    /** Removes {@code index} only if it still points at {@code keypair}. */
    void delete(int index, Keypair keypair) {
        table.computeIfPresent(index, (k, e) -> e.keypair() == keypair ? null : e);
    }

    int size() { return table.size(); }
}
