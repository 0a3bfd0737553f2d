package dev.netext.dns.cache;

import dev.netext.dns.wire.ResponseView;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.AnonymousMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * The answer cache: response bytes kept as they came from upstream, off-heap in one ring ("log"), found through an
 * open-addressing index of two int arrays. A hit copies the stored message and counts each record's TTL down in place
 * at offsets noted on insertion — no decoding, no objects per entry, no allocation per lookup.
 *
 * <p><b>Key.</b> The question section as the client sent it, ASCII-case-folded (RFC 4343), followed by a tag the
 * host chooses (which EDNS bits the answer depends on, and the server group that was asked). When the stored message's
 * own question section is that question (the usual case: an answer repeats its query's question), only the tag is
 * stored and lookups compare the question in the message, case-folded: 26 bytes less a name for
 * {@code h12345.bench.example}.
 *
 * <p><b>Bounds.</b> At most {@code maxEntries} live entries and {@code maxBytes} of log. Entries are evicted oldest
 * first (the log is FIFO): simple, O(1), and close to LRU for DNS, where TTLs expire entries anyway.
 *
 * <p><b>Lifetimes.</b> An entry lives for the TTL the {@link ResponseView} computed (RFC 2308 for negative answers),
 * capped at {@code maxTtl}. With serve-stale (RFC 8767) an expired entry is still returned for {@code staleSeconds},
 * with TTL {@link dev.netext.dns.wire.DnsWire#STALE_TTL} and {@link Lookup#stale} set so the caller refreshes it.
 * Truncated and failed answers are never stored ({@link ResponseView#cacheTtl} is -1 for them).
 *
 * <p><b>Threads.</b> Any number of readers, one writer at a time: lookups read optimistically under a
 * {@link StampedLock} and fall back to a read lock when a write raced them; inserts take the write lock.
 */
public final class DnsCache implements AutoCloseable {

    // Entry layout in the log (native order; offsets from the entry start).
    private static final int E_SIZE = 0;        // int: whole entry size in bytes, or WRAP
    private static final int E_HASH = 4;        // int
    private static final int E_INSERTED = 8;    // int: seconds on the cache clock
    private static final int E_TTL = 12;        // int: lifetime in seconds
    private static final int E_KEY_LEN = 16;    // short: key length (question + tag), | QUESTION_IN_MESSAGE
    private static final int E_MSG_LEN = 18;    // int
    private static final int E_TTL_COUNT = 22;  // short
    private static final int E_HEADER = 24;
    private static final int TTL_SLOT = 8;      // int offset in message, int original TTL
    private static final int WRAP = -1;
    /** E_KEY_LEN flag: only the tag is stored; the question is the message's own, at HEADER_LEN. */
    private static final int QUESTION_IN_MESSAGE = 0x8000;
    private static final int TAG_LEN = 3;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int maxEntries;
    private final long capacity;
    private final long maxTtl;
    private final boolean serveStale;
    private final long staleSeconds;
    private final LongSupplier nanos;
    private final long originNanos;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment log;
    private final int[] slots;   // entry offset + 1; 0 empty, -1 tombstone
    private final int[] hashes;
    private final int mask;
    private final StampedLock lock = new StampedLock();

    private long head;
    private long tail;
    private long used;
    private long wrapAt;
    private int count;
    private int tombstones;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder inserts = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /** What a lookup found, besides the bytes: reused by one thread. */
    public static final class Lookup {
        public int length;
        public boolean stale;
        public long ageSeconds;
    }

    public DnsCache(int maxEntries, long maxBytes, long maxTtl, boolean serveStale, long staleSeconds, LongSupplier nanos) {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be positive");
        if (maxBytes < 1024 || maxBytes > Integer.MAX_VALUE) throw new IllegalArgumentException("maxBytes must be 1 KiB..2 GiB");
        this.maxEntries = maxEntries;
        this.capacity = maxBytes;
        this.maxTtl = maxTtl;
        this.serveStale = serveStale;
        this.staleSeconds = staleSeconds;
        this.nanos = nanos;
        this.originNanos = nanos.getAsLong();
        this.log = mapLog(maxBytes, arena);
        // at least 1.5 slots an entry: a full cache fills the index to at most 2/3, tombstones (rehashed past 1/8)
        // to at most 0.79; 2 slots an entry cost 2 MiB more at 150,000 entries for probe chains a slot shorter
        int tableSize = Integer.highestOneBit(Math.max(16, maxEntries + maxEntries / 2 - 1)) << 1;
        this.slots = new int[tableSize];
        this.hashes = new int[tableSize];
        this.mask = tableSize - 1;
        this.wrapAt = capacity;
    }

    public static DnsCache withDefaults(int maxEntries) {
        return new DnsCache(maxEntries, Math.max(1 << 16, (long) maxEntries * 160), 86_400, false, 0, System::nanoTime);
    }

    private int nowSeconds() { return (int) ((nanos.getAsLong() - originNanos) / 1_000_000_000L); }

    /** Hash of the case-folded {@code q[qStart, qEnd)} followed by the 3-byte tag. */
    static int hash(byte[] q, int qStart, int qEnd, int tag) {
        int h = 0x811C9DC5;
        for (int i = qStart; i < qEnd; i++) h = (h ^ fold(q[i])) * 0x01000193;
        h = (h ^ tag) * 0x01000193;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return h;
    }

    /**
     * Looks up the question {@code q[qStart, qEnd)} with {@code tag} (24 bits) and, on a hit, copies the stored
     * response into {@code out} with TTLs counted down; the caller patches the ID and question case. Returns
     * {@code true} on a hit ({@code result.length} set).
     */
    public boolean lookup(byte[] q, int qStart, int qEnd, int tag, byte[] out, Lookup result) {
        int h = hash(q, qStart, qEnd, tag);
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int r = find(q, qStart, qEnd, tag, h, out, result);
            if (lock.validate(stamp)) return counted(r);
        }
        stamp = lock.readLock();
        try {
            return counted(find(q, qStart, qEnd, tag, h, out, result));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private boolean counted(int r) {
        if (r > 0) { hits.increment(); return true; }
        misses.increment();
        return false;
    }

    /** 1 hit, 0 miss, -1 expired. Safe against torn state: every offset is checked before it is read. */
    private int find(byte[] q, int qStart, int qEnd, int tag, int h, byte[] out, Lookup result) {
        int keyLen = qEnd - qStart + TAG_LEN;
        int i = h & mask;
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) return 0;
            if (s < 0 || hashes[i] != h) continue;
            long e = s - 1L;
            if (e < 0 || e + E_HEADER > capacity) return 0;
            int keyField = log.get(SHORT, e + E_KEY_LEN) & 0xFFFF;
            if ((keyField & ~QUESTION_IN_MESSAGE) != keyLen) continue;
            int kl = storedKeyBytes(keyField);
            int size = log.get(INT, e + E_SIZE);
            int ml = log.get(INT, e + E_MSG_LEN);
            int tc = log.get(SHORT, e + E_TTL_COUNT) & 0xFFFF;
            long keyAt = e + E_HEADER + (long) tc * TTL_SLOT;
            if (size <= 0 || e + size > capacity || ml < 0 || ml > out.length || keyAt + kl + ml > e + size) return 0;
            if ((keyField & QUESTION_IN_MESSAGE) != 0 && ml < HEADER_LEN + keyLen - TAG_LEN) return 0; // torn: put checks it
            if (!keyEquals(keyAt, keyField, q, qStart, qEnd, tag)) continue;
            long age = nowSeconds() - log.get(INT, e + E_INSERTED);
            int ttl = log.get(INT, e + E_TTL);
            boolean stale = age >= ttl;
            if (stale && (!serveStale || age >= ttl + staleSeconds)) return -1;
            MemorySegment.copy(log, ValueLayout.JAVA_BYTE, keyAt + kl, out, 0, ml);
            for (int t = 0; t < tc; t++) {
                long slot = e + E_HEADER + (long) t * TTL_SLOT;
                int off = log.get(INT, slot);
                long orig = log.get(INT, slot + 4) & 0xFFFFFFFFL;
                if (off < 0 || off + 4 > ml) return 0;
                put32(out, off, stale ? STALE_TTL : Math.max(0, orig - age));
            }
            result.length = ml;
            result.stale = stale;
            result.ageSeconds = age;
            return 1;
        }
        return 0;
    }

    private static int storedKeyBytes(int keyField) {
        return (keyField & QUESTION_IN_MESSAGE) != 0 ? TAG_LEN : keyField;
    }

    /**
     * Whether the key stored at {@code at} (as {@code keyField} says: the folded question then the tag, or the tag
     * alone with the question in the message that follows it) is {@code q[qStart, qEnd)} with {@code tag}.
     */
    private boolean keyEquals(long at, int keyField, byte[] q, int qStart, int qEnd, int tag) {
        int n = qEnd - qStart;
        long tagAt;
        if ((keyField & QUESTION_IN_MESSAGE) != 0) {
            long question = at + TAG_LEN + HEADER_LEN;
            for (int j = 0; j < n; j++) if (fold(log.get(ValueLayout.JAVA_BYTE, question + j)) != fold(q[qStart + j])) return false;
            tagAt = at;
        } else {
            for (int j = 0; j < n; j++) if (log.get(ValueLayout.JAVA_BYTE, at + j) != fold(q[qStart + j])) return false;
            tagAt = at + n;
        }
        return (log.get(ValueLayout.JAVA_BYTE, tagAt) & 0xFF) == ((tag >>> 16) & 0xFF)
                && (log.get(ValueLayout.JAVA_BYTE, tagAt + 1) & 0xFF) == ((tag >>> 8) & 0xFF)
                && (log.get(ValueLayout.JAVA_BYTE, tagAt + 2) & 0xFF) == (tag & 0xFF);
    }

    /** Whether {@code msg}'s question section is {@code q[qStart, qEnd)}, ASCII case aside. */
    private static boolean questionIn(byte[] msg, int length, byte[] q, int qStart, int qEnd) {
        int n = qEnd - qStart;
        if (length < HEADER_LEN + n) return false;
        for (int j = 0; j < n; j++) if (fold(msg[HEADER_LEN + j]) != fold(q[qStart + j])) return false;
        return true;
    }

    /**
     * Stores {@code msg[0, length)}, already parsed into {@code view}, under question {@code q[qStart, qEnd)} and
     * {@code tag}, if {@link ResponseView#cacheTtl()} allows. The stored copy has ID 0. Returns whether it was stored.
     */
    public boolean put(byte[] q, int qStart, int qEnd, int tag, byte[] msg, int length, ResponseView view) {
        long ttl = view.cacheTtl();
        if (ttl <= 0) return false;
        ttl = Math.min(ttl, maxTtl);
        int keyLen = qEnd - qStart + TAG_LEN;
        boolean questionInMessage = questionIn(msg, length, q, qStart, qEnd);
        int tc = view.ttlCount();
        long size = align8(E_HEADER + (long) tc * TTL_SLOT + (questionInMessage ? TAG_LEN : keyLen) + length);
        if (size > capacity / 4 || tc > 0xFFFF) return false;
        int h = hash(q, qStart, qEnd, tag);
        long stamp = lock.writeLock();
        try {
            while (count >= maxEntries) evictOne();
            long e = reserve(size);
            log.set(INT, e + E_SIZE, (int) size);
            log.set(INT, e + E_HASH, h);
            log.set(INT, e + E_INSERTED, nowSeconds());
            log.set(INT, e + E_TTL, (int) ttl);
            log.set(SHORT, e + E_KEY_LEN, (short) (questionInMessage ? keyLen | QUESTION_IN_MESSAGE : keyLen));
            log.set(INT, e + E_MSG_LEN, length);
            log.set(SHORT, e + E_TTL_COUNT, (short) tc);
            long p = e + E_HEADER;
            for (int t = 0; t < tc; t++, p += TTL_SLOT) {
                int off = view.ttlOffset(t);
                log.set(INT, p, off);
                log.set(INT, p + 4, (int) u32(msg, off));
            }
            if (!questionInMessage) for (int j = qStart; j < qEnd; j++) log.set(ValueLayout.JAVA_BYTE, p++, fold(q[j]));
            log.set(ValueLayout.JAVA_BYTE, p++, (byte) (tag >>> 16));
            log.set(ValueLayout.JAVA_BYTE, p++, (byte) (tag >>> 8));
            log.set(ValueLayout.JAVA_BYTE, p++, (byte) tag);
            MemorySegment.copy(msg, 0, log, ValueLayout.JAVA_BYTE, p, length);
            log.set(ValueLayout.JAVA_BYTE, p, (byte) 0); // ID 0: the caller patches the client's
            log.set(ValueLayout.JAVA_BYTE, p + 1, (byte) 0);
            index(h, q, qStart, qEnd, tag, e);
            inserts.increment();
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private static long align8(long n) { return (n + 7) & ~7L; }

    /** Makes {@code size} contiguous bytes free at the tail, evicting from the head; returns where to write. */
    private long reserve(long size) {
        while (true) {
            if (used == 0) { head = tail = 0; wrapAt = capacity; }
            boolean wrapped = used > 0 && tail <= head;
            if (!wrapped) {
                if (capacity - tail >= size) break;
                if (capacity - tail >= 4) log.set(INT, tail, WRAP);
                wrapAt = tail;
                tail = 0;
                if (head == wrapAt) { head = 0; wrapAt = capacity; } // nothing was live past the wrap
                continue;
            }
            if (head - tail >= size) break;
            evictOne();
        }
        long e = tail;
        tail += size;
        used += size;
        return e;
    }

    private void evictOne() {
        if (used == 0) return;
        if (head >= wrapAt) { head = 0; wrapAt = capacity; }
        long e = head;
        int size = log.get(INT, e + E_SIZE);
        int h = log.get(INT, e + E_HASH);
        int i = h & mask;
        for (int probes = 0; probes <= mask && slots[i] != 0; probes++, i = (i + 1) & mask) {
            if (slots[i] == e + 1) {
                slots[i] = -1;
                tombstones++;
                count--;
                evictions.increment();
                break;
            }
        }
        head += size;
        used -= size;
        if (head >= wrapAt && used > 0) { head = 0; wrapAt = capacity; }
    }

    private void index(int h, byte[] q, int qStart, int qEnd, int tag, long e) {
        int keyLen = qEnd - qStart + TAG_LEN;
        int i = h & mask;
        int firstFree = -1;
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) break;
            if (s < 0) { if (firstFree < 0) firstFree = i; continue; }
            if (hashes[i] == h) {
                long old = s - 1L;
                int tc = log.get(SHORT, old + E_TTL_COUNT) & 0xFFFF;
                int keyField = log.get(SHORT, old + E_KEY_LEN) & 0xFFFF;
                if ((keyField & ~QUESTION_IN_MESSAGE) == keyLen
                        && keyEquals(old + E_HEADER + (long) tc * TTL_SLOT, keyField, q, qStart, qEnd, tag)) {
                    slots[i] = (int) (e + 1); // replace; the old entry is garbage in the log until evicted
                    return;
                }
            }
        }
        if (firstFree < 0) firstFree = i;
        else tombstones--;
        slots[firstFree] = (int) (e + 1);
        hashes[firstFree] = h;
        count++;
        if (tombstones > slots.length / 8) rehash();
    }

    /** Rebuilds the index without tombstones (they lengthen probe chains). */
    private void rehash() {
        int[] live = new int[count];
        int[] liveHashes = new int[count];
        int n = 0;
        for (int i = 0; i < slots.length; i++) if (slots[i] > 0) { live[n] = slots[i]; liveHashes[n++] = hashes[i]; }
        Arrays.fill(slots, 0);
        for (int k = 0; k < n; k++) {
            int i = liveHashes[k] & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = live[k];
            hashes[i] = liveHashes[k];
        }
        tombstones = 0;
    }

    /** Drops everything: the rules changed, so which server answers a name may have changed too. */
    public void clear() {
        long stamp = lock.writeLock();
        try {
            Arrays.fill(slots, 0);
            head = tail = used = 0;
            wrapAt = capacity;
            count = 0;
            tombstones = 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    public int size() {
        long stamp = lock.readLock();
        try { return count; } finally { lock.unlockRead(stamp); }
    }

    public long bytesUsed() {
        long stamp = lock.readLock();
        try { return used; } finally { lock.unlockRead(stamp); }
    }

    public long capacityBytes() { return capacity; }
    public int maxEntries() { return maxEntries; }
    public long hits() { return hits.sum(); }
    public long misses() { return misses.sum(); }
    public long inserts() { return inserts.sum(); }
    public long evictions() { return evictions.sum(); }

    /**
     * The answers' log, mapped rather than allocated: pages the log has not reached yet are not resident (a cache sized
     * for 150,000 entries and holding 100,000 names was 38 MiB resident from its start, and 12 MiB is what it used).
     */
    private static MemorySegment mapLog(long bytes, Arena arena) {
        try {
            return AnonymousMemory.map(bytes, arena);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot reserve " + bytes + " bytes for the DNS cache: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        long stamp = lock.writeLock();
        try {
            arena.close();
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}
