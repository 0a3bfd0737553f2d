package dev.netext.dns.wire;

import org.junit.jupiter.api.Test;

import static dev.netext.dns.wire.TestMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

class ResponseViewTest {
    final ResponseView v = new ResponseView();

    @Test
    void findsTtlsAddressesAndOpt() {
        byte[] q = query(5, "www.example", 1, 1232, false, null);
        byte[] r = response(q, 0, false, new byte[][] {rr(1, 300, a(10, 0, 0, 1)), rr(1, 60, a(10, 0, 0, 2))}, new byte[0][], 1232);
        assertThat(v.parse(r, r.length, q, 12, 12 + 13 + 4)).isEqualTo(ResponseView.OK);
        assertThat(v.ttlCount()).isEqualTo(2);
        assertThat(DnsWire.u32(r, v.ttlOffset(0))).isEqualTo(300);
        assertThat(v.cacheTtl()).isEqualTo(60);
        assertThat(v.addressCount()).isEqualTo(2);
        assertThat(v.addressOwner(1)).isEqualTo("www.example");
        assertThat(v.addressBytes(1)).containsExactly(10, 0, 0, 2);
        assertThat(v.optStart()).isPositive();
    }

    @Test
    void negativeAnswersLiveAsLongAsTheSoaAllows() {
        byte[] q = query(5, "nope.example", 1);
        byte[] nx = response(q, 3, false, new byte[0][], new byte[][] {soa("example", 900, 120)}, -1);
        assertThat(v.parse(nx, nx.length, null, 0, 0)).isEqualTo(ResponseView.OK);
        assertThat(v.cacheTtl()).isEqualTo(120); // RFC 2308 §5: min(SOA TTL, MINIMUM)
        byte[] nodata = response(q, 0, false, new byte[0][], new byte[][] {soa("example", 30, 120)}, -1);
        v.parse(nodata, nodata.length, null, 0, 0);
        assertThat(v.cacheTtl()).isEqualTo(30);
        byte[] bare = response(q, 3, false, new byte[0][], new byte[0][], -1);
        v.parse(bare, bare.length, null, 0, 0);
        assertThat(v.cacheTtl()).isEqualTo(-1); // no SOA: not cached
    }

    @Test
    void failuresAndTruncationAreNeverCacheable() {
        byte[] q = query(5, "www.example", 1);
        byte[] sf = response(q, 2, false, new byte[0][], new byte[0][], -1);
        v.parse(sf, sf.length, null, 0, 0);
        assertThat(v.cacheTtl()).isEqualTo(-1);
        byte[] tc = response(q, 0, true, new byte[][] {rr(1, 300, a(1, 2, 3, 4))}, new byte[0][], -1);
        v.parse(tc, tc.length, null, 0, 0);
        assertThat(v.cacheTtl()).isEqualTo(-1);
    }

    @Test
    void questionMustMatchExactly() {
        byte[] q = query(5, "www.example", 1);
        byte[] r = response(q, 0, false, new byte[0][], new byte[0][], -1);
        byte[] other = query(5, "www.examplf", 1);
        assertThat(v.parse(r, r.length, other, 12, other.length)).isEqualTo(ResponseView.QUESTION_MISMATCH);
        assertThat(v.parse(q, q.length, q, 12, q.length)).isEqualTo(ResponseView.NOT_A_RESPONSE);
        assertThat(v.parse(r, r.length - 1, null, 0, 0)).isEqualTo(ResponseView.MALFORMED);
    }

    @Test
    void truncatedFormKeepsQuestionAndOpt() {
        byte[] q = query(9, "big.example", 16, 1232, false, null);
        byte[] r = response(q, 0, false, new byte[][] {rr(16, 60, new byte[600])}, new byte[0][], 1232);
        v.parse(r, r.length, null, 0, 0);
        byte[] out = new byte[r.length];
        int n = MessageBuilder.truncated(r, v, out);
        assertThat(n).isEqualTo(12 + 17 + 11);
        ResponseView t = new ResponseView();
        assertThat(t.parse(out, n, q, 12, 12 + 17)).isEqualTo(ResponseView.OK);
        assertThat(t.truncated()).isTrue();
        assertThat(t.answerCount()).isZero();
        assertThat(t.optStart()).isPositive();
    }
}
