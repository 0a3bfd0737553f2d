package dev.netext.dns.wire;

import dev.netext.api.dns.DnsRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.netext.dns.wire.TestMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random bytes, mutations of valid messages and a small corpus of nasty ones through every parser and
 * builder on the query path: nothing may throw, and every accepted message must be self-consistent.
 */
class WireFuzzTest {
    static List<byte[]> corpus() {
        byte[] q = query(1, "www.example.com", 1, 1232, true, new byte[] {0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2});
        List<byte[]> c = new ArrayList<>();
        c.add(q);
        c.add(query(2, "", 2));
        c.add(response(query(3, "a.b", 1), 0, false, new byte[][] {rr(1, 5, a(1, 2, 3, 4)), rr(5, 5, Names.encode("c.d"))},
                new byte[][] {soa("b", 1, 2)}, 4096));
        byte[] loop = response(query(4, "a.b", 1), 0, false, new byte[][] {rr(1, 5, a(1, 2, 3, 4))}, new byte[0][], -1);
        loop[12 + 5 + 4] = (byte) 0xC0; // owner pointer ...
        loop[12 + 5 + 5] = (byte) (12 + 5 + 4); // ... to itself
        c.add(loop);
        c.add(new byte[] {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63});
        c.add(new byte[12]);
        return c;
    }

    @Test
    void parsersAndBuildersNeverThrow() {
        Random rnd = new Random(0xD15EA5E);
        QueryView qv = new QueryView();
        ResponseView rv = new ResponseView();
        byte[] out = new byte[DnsWire.MAX_MESSAGE];
        List<byte[]> seeds = corpus();
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] m;
            if (i % 4 == 0) {
                m = new byte[rnd.nextInt(80)];
                rnd.nextBytes(m);
            } else {
                m = seeds.get(rnd.nextInt(seeds.size())).clone();
                int flips = 1 + rnd.nextInt(5);
                for (int k = 0; k < flips && m.length > 0; k++) m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
                if (rnd.nextInt(5) == 0) m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 8));
            }
            int s = qv.parse(m, m.length);
            if (s == QueryView.OK) {
                accepted++;
                assertThat(qv.questionEnd()).isLessThanOrEqualTo(m.length);
                qv.name();
                MessageBuilder.error(qv, true, DnsWire.SERVFAIL, out);
                MessageBuilder.answer(qv, List.of(DnsRecord.a("x.y", 1, (java.net.Inet4Address) java.net.InetAddress.getLoopbackAddress())), out);
            } else if (s != QueryView.DROP) {
                MessageBuilder.error(qv, false, DnsWire.FORMERR, out);
            }
            if (rv.parse(m, m.length, null, 0, 0) == ResponseView.OK) {
                rv.cacheTtl();
                for (int a = 0; a < rv.addressCount(); a++) { rv.addressOwner(a); rv.addressBytes(a); }
                MessageBuilder.truncated(m, rv, out);
            }
            Names.read(m, rnd.nextInt(Math.max(1, m.length)), m.length);
        }
        assertThat(accepted).isPositive();
    }
}
