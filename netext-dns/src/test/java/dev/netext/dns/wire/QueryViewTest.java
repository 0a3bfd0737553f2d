package dev.netext.dns.wire;

import org.junit.jupiter.api.Test;

import static dev.netext.dns.wire.TestMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

class QueryViewTest {
    final QueryView v = new QueryView();

    @Test
    void readsQuestionAndEdns() {
        byte[] ecs = {0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2}; // RFC 7871 option: family 1, /24, 10.1.2
        byte[] q = query(0x1234, "WWW.Example.COM", 28, 4096, true, ecs);
        assertThat(v.parse(q, q.length)).isEqualTo(QueryView.OK);
        assertThat(v.id()).isEqualTo(0x1234);
        assertThat(v.name()).isEqualTo("www.example.com");
        assertThat(v.qtype()).isEqualTo(28);
        assertThat(v.qclass()).isEqualTo(1);
        assertThat(v.recursionDesired()).isTrue();
        assertThat(v.hasEdns()).isTrue();
        assertThat(v.udpPayloadSize()).isEqualTo(4096);
        assertThat(v.dnssecOk()).isTrue();
        assertThat(v.hasClientSubnet()).isTrue();
        assertThat(v.questionEnd()).isEqualTo(12 + 17 + 4);
    }

    @Test
    void smallEdnsSizesCountAs512AndNoEdnsIs512() {
        byte[] q = query(1, "a.b", 1, 100, false, null);
        assertThat(v.parse(q, q.length)).isEqualTo(QueryView.OK);
        assertThat(v.udpPayloadSize()).isEqualTo(512);
        byte[] huge = query(1, "a.b", 1, 65535, false, null);
        v.parse(huge, huge.length);
        assertThat(v.udpPayloadSize()).isEqualTo(DnsWire.MAX_UDP_RESPONSE);
        byte[] plain = query(1, "a.b", 1);
        assertThat(v.parse(plain, plain.length)).isEqualTo(QueryView.OK);
        assertThat(v.hasEdns()).isFalse();
        assertThat(v.udpPayloadSize()).isEqualTo(512);
    }

    @Test
    void rejectsWhatIsNotOneWellFormedQuestion() {
        byte[] q = query(1, "a.b", 1);
        assertThat(v.parse(q, 11)).isEqualTo(QueryView.DROP);
        byte[] resp = q.clone();
        resp[2] |= (byte) 0x80;
        assertThat(v.parse(resp, resp.length)).isEqualTo(QueryView.DROP);
        byte[] two = q.clone();
        two[5] = 2;
        assertThat(v.parse(two, two.length)).isEqualTo(QueryView.FORMAT_ERROR);
        assertThat(v.parse(q, q.length - 1)).isEqualTo(QueryView.FORMAT_ERROR);
        byte[] trailing = java.util.Arrays.copyOf(q, q.length + 3);
        assertThat(v.parse(trailing, trailing.length)).isEqualTo(QueryView.FORMAT_ERROR);
        byte[] pointer = q.clone();
        pointer[12] = (byte) 0xC0;
        assertThat(v.parse(pointer, pointer.length)).isEqualTo(QueryView.FORMAT_ERROR);
        byte[] notify = q.clone();
        notify[2] |= 0x20; // opcode 4
        assertThat(v.parse(notify, notify.length)).isEqualTo(QueryView.NOT_IMPLEMENTED);
        byte[] twoOpt = query(1, "a.b", 1, 1232, false, null);
        byte[] doubled = java.util.Arrays.copyOf(twoOpt, twoOpt.length + 11);
        System.arraycopy(twoOpt, twoOpt.length - 11, doubled, twoOpt.length, 11);
        doubled[11] = 2;
        assertThat(v.parse(doubled, doubled.length)).isEqualTo(QueryView.FORMAT_ERROR);
    }

    @Test
    void rootAndLongNames() {
        byte[] root = query(1, "", 2);
        assertThat(v.parse(root, root.length)).isEqualTo(QueryView.OK);
        assertThat(v.name()).isEmpty();
        String longest = ("a".repeat(63) + ".").repeat(3) + "a".repeat(61); // 255 octets on the wire
        byte[] q = query(1, longest, 1);
        assertThat(v.parse(q, q.length)).isEqualTo(QueryView.OK);
    }
}
