package dev.netext.dns.wire;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6891 §6.1.3: a query whose OPT record carries an EDNS version we do not implement (anything above 0) gets
 * BADVERS — extended RCODE 16, so 0 in the header's RCODE and 1 in the OPT TTL's EXTENDED-RCODE byte — with an OPT
 * record of version 0, the highest version this responder implements (issue 11, defect 7).
 */
class EdnsVersionTest {
    private static final HexFormat HEX = HexFormat.of();

    /** {@code dig +edns=1 +noednsneg example.com A}: RD, one question, OPT with UDP size 1232 and version 1. */
    private static final byte[] QUERY_VERSION_1 = HEX.parseHex(
            "beef" + "0100" + "0001" + "0000" + "0000" + "0001"
                    + "076578616d706c6503636f6d00" + "0001" + "0001"
                    + "00" + "0029" + "04d0" + "00010000" + "0000");

    @Test
    void versionOneIsBadVersionAnsweredWithExtendedRcode16AndAVersionZeroOpt() {
        QueryView q = new QueryView();
        assertThat(q.parse(QUERY_VERSION_1, QUERY_VERSION_1.length)).isEqualTo(QueryView.BAD_VERSION);
        assertThat(q.ednsVersion()).isEqualTo(1);

        byte[] out = new byte[512];
        int n = MessageBuilder.error(q, true, DnsWire.BADVERS, out);
        assertThat(HEX.formatHex(Arrays.copyOf(out, n))).isEqualTo(
                "beef" + "8180" + "0001" + "0000" + "0000" + "0001"           // QR RD RA, header RCODE 0
                        + "076578616d706c6503636f6d00" + "0001" + "0001"      // the question echoed
                        + "00" + "0029" + "04d0" + "01000000" + "0000");      // OPT: EXTENDED-RCODE 1, version 0

        // what a client computes from it: (EXTENDED-RCODE << 4) | RCODE
        int rcode = (out[n - 6] & 0xFF) << DnsWire.EXTENDED_RCODE_SHIFT | (DnsWire.u16(out, DnsWire.FLAGS) & DnsWire.RCODE_MASK);
        assertThat(rcode).isEqualTo(DnsWire.BADVERS);
    }

    @Test
    void versionZeroAndNoEdnsAreAnsweredNormally() {
        QueryView q = new QueryView();
        byte[] v0 = QUERY_VERSION_1.clone();
        v0[v0.length - 5] = 0; // the OPT TTL's VERSION byte
        assertThat(q.parse(v0, v0.length)).isEqualTo(QueryView.OK);
        assertThat(q.ednsVersion()).isZero();
        byte[] out = new byte[512];
        int n = MessageBuilder.error(q, true, DnsWire.SERVFAIL, out);
        assertThat(HEX.formatHex(out, n - 11, n)).isEqualTo("00" + "0029" + "04d0" + "00000000" + "0000");
        assertThat(DnsWire.u16(out, DnsWire.FLAGS) & DnsWire.RCODE_MASK).isEqualTo(DnsWire.SERVFAIL);

        byte[] plain = TestMessages.query(7, "example.com", 1);
        assertThat(q.parse(plain, plain.length)).isEqualTo(QueryView.OK);
    }

    @Test
    void aMalformedQueryIsFormatErrorWhateverItsVersion() {
        byte[] broken = Arrays.copyOf(QUERY_VERSION_1, QUERY_VERSION_1.length + 1); // trailing garbage
        assertThat(new QueryView().parse(broken, broken.length)).isEqualTo(QueryView.FORMAT_ERROR);
    }
}
