package dev.netext.dns.cache;

import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.QueryView;
import dev.netext.dns.wire.ResponseView;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static dev.netext.dns.wire.TestMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

class DnsCacheTest {
    final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    final byte[] out = new byte[DnsWire.MAX_MESSAGE];
    final DnsCache.Lookup lookup = new DnsCache.Lookup();

    DnsCache cache(int entries, long bytes, boolean stale) {
        return new DnsCache(entries, bytes, 86_400, stale, 3600, now::get);
    }

    void advance(long seconds) { now.addAndGet(seconds * 1_000_000_000L); }

    /** Stores a response for {@code name}/A with the given answer TTLs; returns the query. */
    static byte[] put(DnsCache c, String name, int tag, long... ttls) {
        byte[] q = query(1, name, 1);
        byte[][] answers = new byte[ttls.length][];
        for (int i = 0; i < ttls.length; i++) answers[i] = rr(1, ttls[i], a(10, 0, 0, i + 1));
        byte[] r = response(q, 0, false, answers, new byte[0][], -1);
        ResponseView v = new ResponseView();
        assertThat(v.parse(r, r.length, null, 0, 0)).isEqualTo(ResponseView.OK);
        c.put(q, 12, questionEnd(q), tag, r, r.length, v);
        return q;
    }

    static int questionEnd(byte[] q) {
        QueryView v = new QueryView();
        v.parse(q, q.length);
        return v.questionEnd();
    }

    boolean get(DnsCache c, String name, int tag) {
        byte[] q = query(1, name, 1);
        return c.lookup(q, 12, questionEnd(q), tag, out, lookup);
    }

    long ttlAt(int answer) {
        ResponseView v = new ResponseView();
        v.parse(out, lookup.length, null, 0, 0);
        return DnsWire.u32(out, v.ttlOffset(answer));
    }

    @Test
    void ttlsCountDownAndEntriesExpireWithTheShortest() {
        try (DnsCache c = cache(100, 1 << 16, false)) {
            put(c, "www.example", 0, 300, 60);
            assertThat(get(c, "WWW.EXAMPLE", 0)).isTrue();
            assertThat(ttlAt(0)).isEqualTo(300);
            assertThat(DnsWire.u16(out, 0)).isZero(); // stored without the ID; the host patches the client's
            advance(59);
            assertThat(get(c, "www.example", 0)).isTrue();
            assertThat(ttlAt(0)).isEqualTo(241);
            assertThat(ttlAt(1)).isEqualTo(1);
            advance(1);
            assertThat(get(c, "www.example", 0)).isFalse();
            assertThat(c.hits()).isEqualTo(2);
        }
    }

    @Test
    void tagsSeparateEntries() {
        try (DnsCache c = cache(100, 1 << 16, false)) {
            put(c, "www.example", 1, 300);
            assertThat(get(c, "www.example", 1)).isTrue();
            assertThat(get(c, "www.example", 2)).isFalse();
            assertThat(get(c, "www.example.", 1)).isTrue();
            assertThat(get(c, "www.exampl", 1)).isFalse();
        }
    }

    @Test
    void servesStaleWithShortTtlWithinTheWindow() {
        try (DnsCache c = cache(100, 1 << 16, true)) {
            put(c, "www.example", 0, 10);
            advance(20);
            assertThat(get(c, "www.example", 0)).isTrue();
            assertThat(lookup.stale).isTrue();
            assertThat(ttlAt(0)).isEqualTo(DnsWire.STALE_TTL);
            advance(3600);
            assertThat(get(c, "www.example", 0)).isFalse();
        }
    }

    @Test
    void boundedByEntriesAndBytesOldestFirst() {
        try (DnsCache c = cache(10, 1 << 16, false)) {
            for (int i = 0; i < 25; i++) put(c, "h" + i + ".example", 0, 300);
            assertThat(c.size()).isEqualTo(10);
            assertThat(get(c, "h24.example", 0)).isTrue();
            assertThat(get(c, "h0.example", 0)).isFalse();
            assertThat(c.evictions()).isEqualTo(15);
        }
        try (DnsCache c = cache(100_000, 4096, false)) {
            for (int i = 0; i < 500; i++) put(c, "h" + i + ".example", 0, 300);
            assertThat(c.bytesUsed()).isLessThanOrEqualTo(4096);
            assertThat(get(c, "h499.example", 0)).isTrue();
            assertThat(get(c, "h0.example", 0)).isFalse();
        }
    }

    @Test
    void replacingAnEntryKeepsOneLiveCopy() {
        try (DnsCache c = cache(100, 1 << 16, false)) {
            put(c, "www.example", 0, 300);
            put(c, "www.example", 0, 100);
            assertThat(c.size()).isEqualTo(1);
            assertThat(get(c, "www.example", 0)).isTrue();
            assertThat(ttlAt(0)).isEqualTo(100);
            c.clear();
            assertThat(get(c, "www.example", 0)).isFalse();
        }
    }

    /**
     * An answer that repeats its query's question (in any case) is stored with the tag only, the question read from
     * the message; one whose question differs keeps its own key. Both are found, by the right name and tag only.
     */
    @Test
    void storesTheQuestionOnceWhenTheAnswerRepeatsIt() {
        try (DnsCache repeated = cache(100, 1 << 16, false); DnsCache separate = cache(100, 1 << 16, false)) {
            byte[] q = query(1, "host-with-a-long-name.example", 1);
            byte[] r = response(query(1, "HOST-with-a-long-NAME.example", 1), 0, false,
                    new byte[][] {rr(1, 300, a(10, 0, 0, 1))}, new byte[0][], -1);
            byte[] other = response(query(1, "other-with-a-long-name.example", 1), 0, false,
                    new byte[][] {rr(1, 300, a(10, 0, 0, 2))}, new byte[0][], -1);
            ResponseView v = new ResponseView();
            assertThat(v.parse(r, r.length, null, 0, 0)).isEqualTo(ResponseView.OK);
            assertThat(repeated.put(q, 12, questionEnd(q), 5, r, r.length, v)).isTrue();
            assertThat(v.parse(other, other.length, null, 0, 0)).isEqualTo(ResponseView.OK);
            assertThat(separate.put(q, 12, questionEnd(q), 5, other, other.length, v)).isTrue();
            // the same message size; the repeated question is not stored a second time as the key
            assertThat(separate.bytesUsed() - repeated.bytesUsed()).isGreaterThanOrEqualTo(questionEnd(q) - 12 - 8);

            assertThat(get(repeated, "Host-With-A-Long-Name.example", 5)).isTrue();
            assertThat(DnsWire.u32(out, lookup.length - 4)).isEqualTo(0x0A000001L);
            assertThat(get(repeated, "host-with-a-long-name.example", 6)).isFalse();
            assertThat(get(repeated, "host-with-a-long-name.exampl", 5)).isFalse();
            assertThat(get(repeated, "other-with-a-long-name.example", 5)).isFalse();
            assertThat(get(separate, "host-with-a-long-name.example", 5)).isTrue();
            assertThat(DnsWire.u32(out, lookup.length - 4)).isEqualTo(0x0A000002L);
            assertThat(get(separate, "other-with-a-long-name.example", 5)).isFalse();

            put(repeated, "host-with-a-long-name.example", 5, 100); // replaces the entry found by the message's question
            assertThat(repeated.size()).isEqualTo(1);
            assertThat(get(repeated, "host-with-a-long-name.example", 5)).isTrue();
            assertThat(ttlAt(0)).isEqualTo(100);
        }
    }

    /** Random puts and gets against a model, through many wraps of the ring and rehashes of the index. */
    @Test
    void agreesWithAModelUnderChurn() {
        Random rnd = new Random(7);
        try (DnsCache c = cache(64, 8192, false)) {
            Map<String, Long> stored = new HashMap<>();
            for (int i = 0; i < 50_000; i++) {
                String name = "n" + rnd.nextInt(200) + ".example";
                if (rnd.nextBoolean()) {
                    long ttl = 100 + rnd.nextInt(1000);
                    put(c, name, 0, ttl);
                    stored.put(name, ttl);
                } else if (get(c, name, 0)) {
                    assertThat(stored).containsKey(name);
                    assertThat(ttlAt(0)).isEqualTo(stored.get(name)); // never another name's answer
                }
                assertThat(c.size()).isLessThanOrEqualTo(64);
                assertThat(c.bytesUsed()).isLessThanOrEqualTo(8192);
            }
            assertThat(c.hits()).isPositive();
        }
    }
}
